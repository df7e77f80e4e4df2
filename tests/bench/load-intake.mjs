// A load run of the intake: many applicants at once, every submission posted twice (the
// second time as a retry whose answer was lost, with the same submission id), through a
// well-kept HTTP load generator (autocannon). Then the store is read back: no success is
// missing from it (0 lost), and no submission is in it twice (0 duplicated).
//
//   node tests/bench/load-intake.mjs --url http://127.0.0.1:8000 [--connections 50] [--duration 30] \
//        [--list "target/release/applications list --store FILE"]
//
// autocannon posts from one address: a preview it loads runs with `--intake-limit off` (its
// per-client limit would refuse all but the first 300 posts; tests/bench/load.sh does so).
// `--list` is the secretariat's listing of the store under load (`--dynamodb` for the
// production tables); the run fails if the store disagrees with what applicants were told.
// Prints throughput, latency percentiles and the counts. As a module, `loadRun` is what
// tests/e2e/load.test.mjs calls for a short run in the test command.
import { execSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import autocannon from "autocannon";

/** A complete, valid application, as test-support/src/lib.rs writes it. */
export function application(submissionId) {
  const fields = {
    full_name: "Асель Токтогулова",
    birth_date: "1990-05-17",
    residence: "Кара-Суу айылы, Кара-Суу айыл өкмөтү",
    workplace: "Мектеп, мугалим",
    phone: "0700 123456",
    whatsapp: "+996 700 123456",
    email: "asel@example.kg",
    lsg_experience: "yes",
    lsg_experience_text: "Айыл өкмөтү менен суу маселесин чечүүгө катыштым.",
    community_experience: "no",
    support_groups: "no",
    essay: `Менин айылымда таза суу жок. Депутат болуп, бул маселени чечким келет. ${submissionId}`,
    confirm_citizen: "yes",
    confirm_rural: "yes",
    confirm_age: "yes",
    confirm_no_similar_school: "yes",
    consent_personal_data: "yes",
    lang: "ky",
    submission_id: submissionId,
  };
  for (const name of ["ready_active", "ready_self_study", "ready_to_organise", "ready_to_share", "stage_application",
    "stage_bishkek_details", "stage_school", "stage_meeting_nomination", "stage_meeting_campaign", "stage_monitoring",
    "stage_training", "stage_budget_seminar", "stage_portal_seminar", "stage_exchange_seminar"]) {
    fields[name] = "yes";
  }
  return JSON.stringify(fields);
}

/**
 * Runs the load and checks the store. Returns the figures; throws when anything was lost
 * or duplicated.
 */
export async function loadRun({ url, connections = 50, duration = 30, list, path = "/api/applications" }) {
  /** submission id → codes its two posts were answered with */
  const told = new Map();
  const codesIn = (listing) => listing.split("\n").map((line) => line.split(/\s+/)[0]).filter((code) => /^\d{3}-\d{3}-\d{4}$/.test(code));
  // `list`: a shell command, or a function, that prints the store's listing.
  const listing = typeof list === "function" ? list : () => execSync(list, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const before = new Set(list ? codesIn(listing()) : []);
  let refused = 0;
  const sent = new Set();
  const statuses = {};
  const result = await autocannon({
    url,
    connections,
    duration,
    timeout: 30,
    // Each connection alternates: a new application, then the same one again.
    requests: [
      {
        method: "POST",
        path,
        headers: { "content-type": "application/json", accept: "application/json" },
        setupRequest: (request, context) => {
          context.id = `load-${randomUUID()}`;
          sent.add(context.id);
          return { ...request, body: application(context.id) };
        },
        onResponse: (status, body, context) => note(status, body, context.id),
      },
      {
        method: "POST",
        path,
        headers: { "content-type": "application/json", accept: "application/json" },
        setupRequest: (request, context) => ({ ...request, body: application(context.id) }),
        onResponse: (status, body, context) => note(status, body, context.id),
      },
    ],
  });
  function note(status, body, id) {
    statuses[status] = (statuses[status] || 0) + 1;
    if (status === 200 || status === 201) {
      const code = JSON.parse(body).code;
      told.set(id, [...(told.get(id) || []), code]);
    } else {
      refused += 1;
    }
  }

  // The run's end cuts the posts in flight: the server may have stored them, but their
  // applicants never heard. Each is retried once, as the page would, and must land with
  // the code of the record already there.
  let retriedAfterRun = 0;
  for (const id of sent) {
    if (told.has(id)) continue;
    const response = await fetch(new URL(path, url), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: application(id),
    });
    note(response.status, await response.text(), id);
    retriedAfterRun += 1;
  }

  const figures = {
    requests: result.requests.total,
    throughput: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    submissions: told.size,
    refused,
    retriedAfterRun,
  };
  // Every success named one code per submission: a retry is told the first code.
  const split = [...told].filter(([, codes]) => new Set(codes).size > 1);
  if (split.length) throw new Error(`${split.length} submissions were told two different codes: ${JSON.stringify(split[0])}`);
  if (list) {
    // Every stored record has a code of its own: a submission stored twice would show as a
    // record whose code no applicant was told.
    const stored = codesIn(listing()).filter((code) => !before.has(code));
    const storedSet = new Set(stored);
    const toldCodes = new Set([...told.values()].map((codes) => codes[0]));
    figures.stored = stored.length;
    figures.lost = [...toldCodes].filter((code) => !storedSet.has(code)).length;
    figures.duplicated = stored.filter((code) => !toldCodes.has(code)).length;
    if (figures.lost) throw new Error(`${lost.length} applications answered with a success are not in the store`);
    if (figures.duplicated) throw new Error(`${figures.duplicated} applications are in the store more than once or untold`);
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      connections: { type: "string", default: "50" },
      duration: { type: "string", default: "30" },
      list: { type: "string" },
    },
  });
  if (!values.url) {
    console.error("usage: node tests/bench/load-intake.mjs --url http://127.0.0.1:PORT [--connections 50] [--duration 30] [--list CMD]");
    process.exit(2);
  }
  const figures = await loadRun({ url: values.url, connections: Number(values.connections), duration: Number(values.duration), list: values.list });
  console.log(`load: ${values.connections} connections for ${values.duration} s against ${values.url}`);
  console.log(`  ${figures.requests} posts, ${figures.throughput.toFixed(0)} posts/s; latency p50 ${figures.p50} ms, p99 ${figures.p99} ms, max ${figures.max} ms`);
  console.log(`  statuses ${JSON.stringify(figures.statuses)}; errors ${figures.errors}, timeouts ${figures.timeouts}`);
  console.log(`  ${figures.submissions} submissions answered with a success, each posted twice (${figures.retriedAfterRun} cut off by the run's end, retried once after it)`);
  if (values.list) console.log(`  stored ${figures.stored}: ${figures.lost} lost, ${figures.duplicated} duplicated`);
}
