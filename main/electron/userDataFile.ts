// Small JSON files the desktop shell keeps under Electron's userData folder (recent databases,
// the window's bounds). Read through a schema: a missing, unreadable or corrupt file reads as
// "nothing saved", never as a failure to start. Written whole, through a temporary file and a
// rename, so a crash mid-write leaves the previous file.
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

export function readUserDataFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function writeUserDataFile(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temporary, file);
}
