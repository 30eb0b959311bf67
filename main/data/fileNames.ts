// File names as the folder importers read them: raw bytes from the directory, taken only when
// they are UTF-8 (a name that is not could be neither stored as a source reference nor shown as
// it is), and otherwise shown with the undecodable bytes escaped, so the user can find the file.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The name as text, or null when its bytes are not UTF-8. */
export function utf8FileName(raw: Uint8Array): string | null {
  try {
    return strictUtf8.decode(raw);
  } catch {
    return null;
  }
}

/** A name that is not UTF-8, readable: its valid characters as they are, other bytes as \xHH. */
export function escapeFileName(raw: Uint8Array): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const lead = raw[i] as number;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
    const character = length > 0 && i + length <= raw.length ? utf8FileName(raw.subarray(i, i + length)) : null;
    if (character !== null) {
      out += character;
      i += length;
    } else {
      out += `\\x${lead.toString(16).toUpperCase().padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}
