// Tests run the TypeScript sources directly; .sql migrations load as text like in the bundle.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      name: 'sql-as-text',
      transform(code, id) {
        if (id.endsWith('.sql')) return { code: `export default ${JSON.stringify(code)};`, map: null };
        return null;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // tfjs-core's gradient registrations are an extensionless ES module tree (main/train/backend.ts):
    // transformed like the bundle does, not loaded by Node.
    server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\/(?!tf-core)/] } },
    reporters: ['default', './test/plainSummaryReporter.ts'],
  },
});
