// Whether a process runs on this machine, asked with signal 0 (nothing is sent): what tells a
// leftover of a crashed or killed process (a run still marked running, an export's partial file,
// an import's staging file, a download folder) from one another live process still owns.

/** A process we may not signal (another user's) still runs. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
