import r4Model from 'fhirpath/fhir-context/r4';

/**
 * Walks every JSON object of a resource together with its place in the R4 model: `modelPath` is a
 * type name (`Patient`, `Period`) or, for backbone elements, their definition path
 * (`Patient.contact`); `path` is the FHIRPath location (`Patient.contact[0]`) for issues.
 */
export type TypedObjectVisitor = (node: Record<string, unknown>, modelPath: string, path: string) => void;

export function walkTypedObjects(resource: Record<string, unknown>, visitor: TypedObjectVisitor): void {
  const resourceType = resource.resourceType;
  if (typeof resourceType === 'string') visit(resource, resourceType, resourceType, visitor);
}

/**
 * The same walk without FHIRPath locations, for checks that only answer yes or no (the fast
 * validation path): no path string is built per object, and a visitor answering false stops it.
 * Answers false if a visitor did.
 */
export function everyTypedObject(
  resource: Record<string, unknown>,
  visitor: (node: Record<string, unknown>, modelPath: string) => boolean,
): boolean {
  const resourceType = resource.resourceType;
  return typeof resourceType !== 'string' || visitEvery(resource, resourceType, visitor);
}

function visitEvery(
  node: Record<string, unknown>,
  modelPath: string,
  visitor: (node: Record<string, unknown>, modelPath: string) => boolean,
): boolean {
  if (!visitor(node, modelPath)) return false;
  for (const key of Object.keys(node)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const child = node[key];
    if (typeof child !== 'object' || child === null) continue;
    const childModelPath = cachedChildModel(modelPath, key);
    const items = Array.isArray(child) ? child : [child];
    for (const object of items) {
      if (!isObject(object)) continue;
      const contained = object.resourceType;
      if (typeof contained === 'string') {
        if (!visitEvery(object, contained, visitor)) return false;
      } else if (childModelPath !== undefined && !visitEvery(object, childModelPath, visitor)) return false;
    }
  }
  return true;
}

/** `Observation.valueQuantity` → `Quantity`, for every choice element in R4. */
const CHOICE_KEY_TYPE: ReadonlyMap<string, string> = new Map(
  Object.entries(r4Model.choiceTypePaths).flatMap(([basePath, types]) =>
    (types as string[]).map((type) => [`${basePath}${type}`, type] as const),
  ),
);

const ELEMENTS_DEFINED_INLINE = new Set(['BackboneElement', 'Element']);

function visit(
  node: Record<string, unknown>,
  modelPath: string,
  path: string,
  visitor: TypedObjectVisitor,
): void {
  visitor(node, modelPath, path);
  for (const key of Object.keys(node)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const child = node[key];
    if (typeof child !== 'object' || child === null) continue;
    const childModelPath = cachedChildModel(modelPath, key);
    forEachObject(child, `${path}.${key}`, (object, objectPath) => {
      const contained = object.resourceType;
      if (typeof contained === 'string') visit(object, contained, objectPath, visitor);
      else if (childModelPath !== undefined) visit(object, childModelPath, objectPath, visitor);
    });
  }
}

/**
 * childModel by (model path, key), cached: it is called for every key of every object validated.
 * Only keys the model knows are cached, so hostile input cannot grow the cache.
 */
const childModelCache = new Map<string, Map<string, string | undefined>>();

function cachedChildModel(modelPath: string, key: string): string | undefined {
  const byKey = childModelCache.get(modelPath);
  if (byKey?.has(key)) return byKey.get(key);
  const elementPath = `${modelPath}.${key}`;
  const found = childModel(elementPath);
  if (isModelElement(elementPath)) {
    if (byKey === undefined) childModelCache.set(modelPath, new Map([[key, found]]));
    else byKey.set(key, found);
  }
  return found;
}

function isModelElement(elementPath: string): boolean {
  return (
    CHOICE_KEY_TYPE.has(elementPath) ||
    r4Model.path2Type[r4Model.pathsDefinedElsewhere[elementPath] ?? elementPath] !== undefined
  );
}

/** The model path to continue with below an element: its own path for inline backbones, else its type. */
function childModel(elementPath: string): string | undefined {
  const choiceType = CHOICE_KEY_TYPE.get(elementPath);
  if (choiceType !== undefined) return isComplexType(choiceType) ? choiceType : undefined;
  const definedAt = r4Model.pathsDefinedElsewhere[elementPath] ?? elementPath;
  const type = r4Model.path2Type[definedAt];
  if (type === undefined) return undefined;
  if (ELEMENTS_DEFINED_INLINE.has(type)) return definedAt;
  return isComplexType(type) ? type : undefined;
}

/** Complex datatypes start with a capital; primitives (`boolean`) and System types (`System.String`) do not recurse. */
function isComplexType(type: string): boolean {
  return /^[A-Z][A-Za-z]*$/.test(type) && r4Model.type2Parent[type] !== undefined;
}

function forEachObject(
  value: unknown,
  path: string,
  callback: (object: Record<string, unknown>, path: string) => void,
): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (isObject(item)) callback(item, `${path}[${index}]`);
    });
  } else if (isObject(value)) callback(value, path);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
