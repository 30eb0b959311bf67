// The training workers yield the cores to the app's own process: they lower their scheduling
// priority as they start (main/workers/workerPriority.ts), unless told not to.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { workerEntryPath } from '../../main/workers/launcher.js';
import { applyTrainingPriority, trainingPriority } from '../../main/workers/workerPriority.js';

const { PRIORITY_NORMAL, PRIORITY_BELOW_NORMAL, PRIORITY_LOW } = os.constants.priority;

async function priorityOnceSet(pid: number, ms = 10_000): Promise<number> {
  const deadline = Date.now() + ms;
  while (os.getPriority(pid) === PRIORITY_NORMAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return os.getPriority(pid);
}

describe('the training priority', () => {
  it('is below normal unless DISOBEY_TRAIN_PRIORITY names another level, and a bad name is refused by name', () => {
    expect(trainingPriority({})).toBe('below-normal');
    expect(trainingPriority({ DISOBEY_TRAIN_PRIORITY: 'normal' })).toBe('normal');
    expect(trainingPriority({ DISOBEY_TRAIN_PRIORITY: 'low' })).toBe('low');
    expect(() => trainingPriority({ DISOBEY_TRAIN_PRIORITY: 'idle' })).toThrow(/DISOBEY_TRAIN_PRIORITY must be one of normal, below-normal, low \(got "idle"\)/);
  });

  it.skipIf(!fs.existsSync(workerEntryPath('train')))('is what a started training worker runs at', async () => {
    const worker = fork(workerEntryPath('train'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, DISOBEY_TRAIN_PRIORITY: '' } });
    try {
      expect(await priorityOnceSet(worker.pid!)).toBe(PRIORITY_BELOW_NORMAL);
    } finally {
      worker.kill();
    }
  });

  it('is set on the process it names; a process that is gone gives a message, not an exception', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      expect(applyTrainingPriority('low', child.pid!)).toBeNull();
      expect(os.getPriority(child.pid!)).toBe(PRIORITY_LOW);
    } finally {
      child.kill();
    }
    await new Promise((r) => child.once('exit', r));
    expect(applyTrainingPriority('low', child.pid!)).toMatch(/could not set the training priority to low: .*ESRCH/);
  });
});
