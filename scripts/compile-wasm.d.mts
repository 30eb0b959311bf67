/** The TypeScript module for one .wat file's bytes. */
export function compiledModuleSource(watFile: string): Promise<string>;
/** Where that module lives: beside the .wat, as <name>Wasm.ts. */
export function generatedPath(watFile: string): string;
/** Every .wat source of main/train/wasm and shared/wasm. */
export function watFiles(): string[];
