// A short load run in the test command: 20 applicants at once for 5 seconds against the
// preview's intake on the embedded store, each submission posted twice. Nothing a success
// was answered for may be missing from the store, and nothing may be stored twice. The
// full run (50 connections, 30 s, also on DynamoDB through the rehearsal) is
// tests/bench/load-intake.mjs; the README says how. autocannon posts from one address, so
// the per-client limit is off here: what the limit does under a flood is flood.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { start } from "./harness.mjs";
import { loadRun } from "../bench/load-intake.mjs";

test("under load every submission posted twice is stored exactly once", async () => {
  const site = await start(undefined, { flags: ["--intake-limit", "off"] });
  try {
    const figures = await loadRun({ url: site.base, connections: 20, duration: 5, list: () => site.listed() });
    console.log(`load: ${figures.requests} posts, ${figures.throughput.toFixed(0)}/s, p99 ${figures.p99} ms; ` +
      `${figures.submissions} submissions, ${figures.stored} stored, ${figures.lost} lost, ${figures.duplicated} duplicated`);
    assert.ok(figures.submissions > 100, `too few submissions to say anything: ${figures.submissions}`);
    assert.equal(figures.lost, 0);
    assert.equal(figures.duplicated, 0);
    assert.equal(figures.stored, figures.submissions);
    assert.equal(figures.errors, 0, "no connection errors");
    assert.equal(figures.refused, 0, `every post answered with a success: ${JSON.stringify(figures.statuses)}`);
  } finally {
    await site.stop();
  }
});
