// `disobey <command> --help` for every command the CLI knows (its own table, not a list written
// here): the command's usage on stdout, exit 0, and nothing run — the database named by
// DISOBEY_DB lies in a folder that does not exist, so a command that ran would fail.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../main/cli/commandUsage.js';
import { makeTempDir } from '../helpers/tempDir.js';

const bin = path.resolve('bin/disobey.js');
const temp = makeTempDir();
afterAll(() => temp.dispose());
const missingDatabase = path.join(temp.dir, 'no-such-folder', 'never.db');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One run of the CLI. A command that ignores --help may run for good (serve) or start training
 * (demo): after `limitMs` its whole process group is stopped and the outcome says so.
 */
function disobey(args: string[], limitMs = 30_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, DISOBEY_DB: missingDatabase }, detached: true });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(still running after ${limitMs} ms: stopped)`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, limitMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs every argument list, a few processes at a time (each loads the whole CLI). */
async function runAll(lists: string[][], parallel = 3): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(lists.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < lists.length) {
        const i = next++;
        outcomes[i] = await disobey(lists[i]!);
      }
    }),
  );
  return outcomes;
}

describe.skipIf(!fs.existsSync('out/main/cli.js'))('disobey <command> --help', () => {
  it('knows more than a handful of commands, each named once', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['import', 'train', 'serve', 'export']));
  });

  it('prints every command\'s own usage and exits 0, without running it', async () => {
    const outcomes = await runAll(COMMANDS.map((c) => [c.name, '--help']));
    COMMANDS.forEach((command, i) => {
      const r = outcomes[i]!;
      expect(r.stderr, command.name).toBe('');
      expect(r.code, command.name).toBe(0);
      expect(r.stdout, command.name).toMatch(new RegExp(`^usage: disobey ${command.name} `));
      // its description, and no other command's forms
      expect(r.stdout, command.name).toContain(command.description[0]);
      for (const other of COMMANDS.filter((c) => c.name !== command.name)) {
        expect(r.stdout, `${command.name} shows ${other.name}`).not.toMatch(new RegExp(`disobey ${other.name} `));
      }
      expect(fs.existsSync(path.dirname(missingDatabase)), command.name).toBe(false);
    });
  }, 180_000);

  it('answers -h, help after other arguments, and `disobey help <command>` the same way', async () => {
    const [short, late, named, trainHelp] = await runAll([
      ['import', '-h'],
      ['train', '--dataset', '1', '--preset', 'paper', '--help'],
      ['help', 'train'],
      ['train', '--help'],
    ]);
    expect(short).toMatchObject({ code: 0, stderr: '' });
    expect(short!.stdout).toMatch(/^usage: disobey import PATH /);
    expect(late).toMatchObject({ code: 0, stderr: '' });
    expect(late!.stdout).toBe(trainHelp!.stdout);
    expect(named).toMatchObject({ code: 0, stderr: '', stdout: trainHelp!.stdout });
    expect(trainHelp!.stdout).toMatch(/backends: tensorflow-gpu, tensorflow, wasm, cpu/);
  }, 120_000);

  it('lists every command in `disobey help`, and refuses help on an unknown command', async () => {
    const [all, unknown, afterTerminator] = await runAll([['help'], ['help', 'frobnicate'], ['groups', '--', '--help']]);
    expect(all!.code).toBe(0);
    for (const c of COMMANDS) expect(all!.stdout, c.name).toMatch(new RegExp(`^  ${c.name} `, 'm'));
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown!.stderr).toMatch(/^disobey: unknown command "frobnicate"/);
    // after "--", --help is an argument, not a request for help
    expect(afterTerminator!.code).toBe(2);
    expect(afterTerminator!.stdout).toBe('');
  }, 120_000);
});
