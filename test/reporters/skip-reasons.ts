/**
 * Lists every skipped test with the reason it gave (test/fixtures/requirements.ts), so a run that skipped
 * the curl or dig agreement tests says so and why, and ends with the line CI restates:
 * `Skipped: N (reasons above)`. A skip without a reason fails the run: an unexplained skip is a test that
 * silently stopped testing.
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';

export default class SkipReasons implements Reporter {
  /** With `-t <pattern>` the tests left out count as skipped too: they are not skips to explain. */
  #filtered = false;

  onInit(vitest: Vitest): void {
    this.#filtered = Boolean(vitest.config.testNamePattern);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (this.#filtered) return;
    const skipped: { name: string; note: string | undefined }[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'skipped')
          skipped.push({ name: `${module.moduleId}: ${test.fullName}`, note: result.note });
      }
    }
    if (skipped.length === 0) return;
    const root = process.cwd();
    const lines = skipped.map(
      ({ name, note }) => `  - ${name.replace(`${root}/`, '')}: ${note ?? 'NO REASON GIVEN'}`,
    );
    process.stdout.write(`\nSkipped tests and why:\n${lines.join('\n')}\n`);
    if (skipped.some(({ note }) => note === undefined)) {
      process.stdout.write(
        'A skipped test gave no reason: skip through skipUnless() (test/fixtures/requirements.ts).\n',
      );
      process.exitCode = 1;
    }
  }
}
