// Plain JavaScript on purpose: it must run on any Node to say clearly when Node is too old.
export const REQUIRED_NODE = '22.18';

/** True when `version` ("22.18.0", "v24.1.0") is at least 22.18 (Node strips TypeScript types from there). */
export function isSupportedNode(version) {
  const [major = 0, minor = 0] = String(version).replace(/^v/, '').split('.').map(Number);
  const [needMajor, needMinor] = REQUIRED_NODE.split('.').map(Number);
  return major > needMajor || (major === needMajor && minor >= needMinor);
}
