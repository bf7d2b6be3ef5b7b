import r4Model from 'fhirpath/fhir-context/r4';

/**
 * Where a template key sits in the FHIR R4 model, so the engine can give a repeating element an
 * array even when its expression found a single item (FHIR JSON requires the array).
 */
export type ElementInfo = {
  /** The type path children are looked up under: a datatype (`HumanName`) or a backbone path. */
  readonly typePath: string;
  readonly repeating: boolean;
};

type Model = {
  path2Type: Record<string, string>;
  path2Repeating: Record<string, boolean>;
  type2Parent: Record<string, string>;
  pathsDefinedElsewhere: Record<string, string>;
};
const model = r4Model as unknown as Model;

/** The element `key` under `typePath` (a resource type, datatype or backbone path); undefined when unknown. */
export function childElement(typePath: string, key: string): ElementInfo | undefined {
  let owner: string | undefined = typePath;
  for (let depth = 0; owner && depth < 6; depth++) {
    const path = `${owner}.${key}`;
    const type = model.path2Type[path];
    if (type !== undefined) {
      const backbone = type === 'BackboneElement' || type === 'Element';
      return {
        typePath: backbone ? (model.pathsDefinedElsewhere[path] ?? path) : type,
        repeating: model.path2Repeating[path] === true,
      };
    }
    const definedElsewhere = model.pathsDefinedElsewhere[path];
    if (definedElsewhere !== undefined) {
      return { typePath: definedElsewhere, repeating: model.path2Repeating[definedElsewhere] === true };
    }
    // Inherited elements (id, extension, meta…) are declared on the base types.
    owner = owner.includes('.') ? 'BackboneElement' : model.type2Parent[owner];
  }
  return undefined;
}
