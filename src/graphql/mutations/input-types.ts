import type { GatewayBuilder } from '../builder.ts';
import type { FhirModel } from '../fhir-model.ts';
import { type AnyRef, scalarFor } from '../object-types.ts';

/**
 * FHIR input types (`XInput`), generated from the same model as the output types: one per
 * resource type a mutation takes and every datatype or backbone element reachable from it. Fields
 * mirror the FHIR JSON names (choices expanded: `valueQuantity`, `valueString`…); formatted
 * primitives use the same scalars as output, so a bad date is refused by GraphQL itself. A
 * `Resource`-typed element (contained resources) takes JSON. Unknown fields are GraphQL errors. A
 * resource's input also takes an optional `resourceType`, so FHIR JSON can be passed as it is.
 */
export function addInputTypes(
  builder: GatewayBuilder,
  model: FhirModel,
  roots: readonly string[],
  scalars: ReadonlySet<string>,
): ReadonlyMap<string, AnyRef> {
  const wanted = new Set<string>();
  const pending = roots.filter((name) => model.objects.has(name));
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (wanted.has(name)) continue;
    wanted.add(name);
    for (const field of model.objects.get(name)?.fields ?? []) {
      if (!field.primitive && field.type !== 'Resource' && model.objects.has(field.type))
        pending.push(field.type);
    }
  }
  const resourceTypes = new Set(model.resourceTypes);
  const refs = new Map<string, AnyRef>();
  for (const name of [...wanted].sort()) {
    // `Task.input` is the backbone type `TaskInput`: an input type then takes a `_` like backbones do.
    let inputName = `${name}Input`;
    while (model.objects.has(inputName)) inputName = `${inputName}_`;
    refs.set(name, builder.inputRef<Record<string, unknown>>(inputName));
  }
  for (const name of wanted) {
    const object = model.objects.get(name);
    if (!object) continue;
    (refs.get(name) as AnyRef).implement({
      description: `FHIR R4 ${object.name} as mutation input.`,
      fields: (t: AnyRef) => {
        const fields: Record<string, unknown> = {};
        // A resource pasted as FHIR JSON carries its resourceType: accepted, and it must name this type.
        if (resourceTypes.has(name))
          fields.resourceType = t.string({
            required: false,
            description: `Optional; when given it must be "${name}".`,
          });
        for (const field of object.fields) {
          const type = field.primitive
            ? scalarFor(field, scalars)
            : field.type === 'Resource'
              ? 'JSON'
              : refs.get(field.type);
          if (type === undefined) continue;
          fields[field.name] = t.field({ type: field.list ? [type] : type, required: false });
        }
        return fields;
      },
    });
  }
  return refs;
}
