/** Dotted paths into plain objects: `profile.name`. A key holding a literal dot wins over the path. */
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function hasPath(root: Obj, path: string): boolean {
  if (Object.prototype.hasOwnProperty.call(root, path)) return true;
  const parts = path.split('.');
  let node: unknown = root;
  for (const part of parts) {
    if (!isObj(node) || !Object.prototype.hasOwnProperty.call(node, part)) return false;
    node = node[part];
  }
  return true;
}

export function getPath(root: Obj, path: string): unknown {
  if (Object.prototype.hasOwnProperty.call(root, path)) return root[path];
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (!isObj(node)) return undefined;
    node = node[part];
  }
  return node;
}

export function setPath(root: Obj, path: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(root, path) || !path.includes('.')) {
    root[path] = value;
    return;
  }
  const parts = path.split('.');
  let node = root;
  for (const part of parts.slice(0, -1)) {
    if (!isObj(node[part])) node[part] = {};
    node = node[part] as Obj;
  }
  node[parts[parts.length - 1]] = value;
}

export function deletePath(root: Obj, path: string): void {
  if (Object.prototype.hasOwnProperty.call(root, path)) {
    delete root[path];
    return;
  }
  const parts = path.split('.');
  let node: unknown = root;
  for (const part of parts.slice(0, -1)) {
    if (!isObj(node)) return;
    node = node[part];
  }
  if (isObj(node)) delete node[parts[parts.length - 1]];
}

export { isObj as isFieldObject };
