/// <reference types="vite/client" />

/** What the preload exposes as `window.disobey` (see preload/index.ts). */
interface DisobeyBridge {
  /** rejects with an Error whose message is the domain error's message (and `code` where it survives the bridge) */
  call(name: string, args: unknown): Promise<unknown>;
  onEvent(listener: (event: unknown) => void): () => void;
  /**
   * The file-system path of a dropped File (Electron's webUtils.getPathForFile); '' for a File
   * that has none. Optional: only the desktop app's preload has it.
   */
  pathForFile?(file: File): string;
}

interface Window {
  /** present only in the desktop app */
  disobey?: DisobeyBridge;
}
