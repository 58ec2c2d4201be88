/**
 * The id of the key a string names: `egk_<id>_<secret>` names `key_<id>`; anything else is taken as an id.
 *
 * @example
 * keyIdOf("key_01h…"); // "key_01h…"
 */
export function keyIdOf(value: string): string {
  const match = /^egk_([0-9a-z]{26})_/.exec(value);
  return match === null ? value : `key_${match[1]}`;
}
