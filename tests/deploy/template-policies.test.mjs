// What deploy/template.yaml lets each function do, evaluated as IAM evaluates an identity
// policy (an action is allowed when some Allow statement's action, resource and every
// condition match it): each call the store and the mail crate make must be allowed, and the
// calls a function has no business making must not be. DynamoDB Local and moto check no IAM,
// so a key pattern missing here would first show in production as AccessDeniedException.
// Also the notifier's shape: its schedule, its one-at-a-time concurrency, its bounces, its
// environment, and alarms that match the words the mail crate logs.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadTemplate, root } from "./support.mjs";

const template = loadTemplate();
const resources = template.Resources;

// Stand-ins for what CloudFormation resolves: the stack's pseudo parameters, the parameters
// and the names of the resources the policies name.
const MAIL_FROM = "noreply@mektep.example";
const MAIL_IDENTITY = "mektep.example";
const values = {
  "AWS::Partition": "aws",
  "AWS::Region": "eu-central-1",
  "AWS::AccountId": "123456789012",
  "AWS::StackName": "mektep",
  MailFrom: MAIL_FROM,
  MailIdentity: MAIL_IDENTITY,
  MailConfigurationSet: "mektep-mail",
};

/** A resource or condition value as CloudFormation would resolve it here. */
function resolve(value) {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(resolve);
  if (value.Ref !== undefined) {
    if (!(value.Ref in values) && !resources[value.Ref]) throw new Error(`unknown Ref ${value.Ref}`);
    return values[value.Ref] ?? `ref:${value.Ref}`;
  }
  if (value["Fn::GetAtt"]) {
    const [logical, attribute] = value["Fn::GetAtt"];
    assert.equal(attribute, "Arn", `a policy names ${logical} by its ARN`);
    return `table:${logical}`;
  }
  if (value["Fn::Sub"] !== undefined) {
    return value["Fn::Sub"].replace(/\$\{([^}]+)\}/g, (_, name) => {
      if (!(name in values)) throw new Error(`unknown \${${name}} in ${value["Fn::Sub"]}`);
      return values[name];
    });
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

const glob = (pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
const list = (value) => (Array.isArray(value) ? value : [value]);

/** The function's statements: SAM's Policies, each an inline { Statement: [...] }. */
function statements(logical) {
  const policies = resources[logical].Properties.Policies;
  assert.ok(Array.isArray(policies), `${logical} declares its policies`);
  return policies.flatMap((policy) => {
    assert.ok(policy && typeof policy === "object" && Array.isArray(policy.Statement),
      `${logical}: only inline statements, no managed policy or SAM policy template: ${JSON.stringify(policy)}`);
    return policy.Statement;
  });
}

/** Whether one condition block holds for a request's context ({ key: [values] }). */
function conditionHolds(condition = {}, context) {
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, allowed]) => {
      const wanted = list(resolve(allowed));
      const given = context[key];
      switch (operator) {
        case "ForAllValues:StringLike":
          // Holds for a request without the key, as IAM's ForAllValues does: the statements
          // that use it are only on calls that carry one (every keyed DynamoDB call does).
          return (given ?? []).every((v) => wanted.some((w) => glob(w).test(v)));
        case "StringEquals":
          return given !== undefined && given.length > 0 && given.every((v) => wanted.includes(v));
        default:
          throw new Error(`the test does not know the condition operator ${operator}: teach it`);
      }
    }));
}

/** Whether the function may make `call`: { action, resources: [...], context }. */
function allowed(logical, { action, resources: wanted, context = {} }) {
  return wanted.every((resource) => statements(logical).some((statement) => {
    assert.equal(statement.Effect, "Allow", "the functions' policies hold no Deny the test would have to weigh");
    return list(statement.Action).some((a) => glob(a).test(action))
      && list(statement.Resource).map(resolve).some((r) => glob(r).test(resource))
      && conditionHolds(statement.Condition, context);
  }));
}

/** A DynamoDB call on one item (the key's partition key), as IAM sees it. */
const item = (action, table, pk) => ({ action: `dynamodb:${action}`, resources: [`table:${table}`], context: { "dynamodb:LeadingKeys": [pk] } });
const scan = (table) => ({ action: "dynamodb:Scan", resources: [`table:${table}`], context: {} });
const sesArn = (what) => `arn:aws:ses:eu-central-1:123456789012:${what}`;
const send = (action, from, identity) => ({
  action: `ses:${action}`,
  resources: [sesArn(`identity/${identity}`), sesArn("configuration-set/mektep-mail")],
  context: { "ses:FromAddress": [from] },
});
const name = (call) => `${call.action} ${call.resources.join(", ")} ${JSON.stringify(call.context)}`;

describe("the intake may do what saving an application does, and no more", () => {
  const code = "123-456-7890";
  for (const call of [
    // One TransactWriteItems, each Put checked as PutItem: the application and its outbox.
    item("PutItem", "ApplicationsTable", "submission#0d9c"),
    item("PutItem", "ApplicationsTable", `application#${code}`),
    item("PutItem", "ApplicantsTable", `applicant#${code}`),
    item("PutItem", "ApplicantsTable", `outbox#notice#${code}`),
    item("PutItem", "ApplicantsTable", `outbox#receipt#${code}`),
    item("GetItem", "ApplicationsTable", "submission#0d9c"),
    item("PutItem", "ApplicantsTable", "suspect#0d9c"),
    item("GetItem", "ApplicantsTable", "suspect#0d9c"),
  ]) {
    it(`allows ${name(call)}`, () => assert.ok(allowed("IntakeFunction", call)));
  }
  for (const call of [
    item("GetItem", "ApplicationsTable", `application#${code}`),
    item("GetItem", "ApplicantsTable", `applicant#${code}`),
    item("GetItem", "ApplicantsTable", `outbox#receipt#${code}`),
    item("UpdateItem", "ApplicantsTable", `outbox#receipt#${code}`),
    item("PutItem", "ApplicationsTable", "final#list"),
    item("PutItem", "ApplicationsTable", "score#m#1#" + code),
    scan("ApplicantsTable"),
    send("SendEmail", MAIL_FROM, MAIL_IDENTITY),
  ]) {
    it(`refuses ${name(call)}`, () => assert.ok(!allowed("IntakeFunction", call)));
  }
});

describe("the notifier may do what a drain does, and no more", () => {
  const code = "123-456-7890";
  for (const call of [
    scan("ApplicantsTable"), // the outbox: Store::outbox
    item("UpdateItem", "ApplicantsTable", `outbox#receipt#${code}`), // claim and settle
    item("GetItem", "ApplicantsTable", `outbox#notice#${code}`),
    item("GetItem", "ApplicantsTable", `applicant#${code}`), // the addressee's personal data
    item("GetItem", "ApplicationsTable", `application#${code}`), // her answers, language, group
    item("GetItem", "ApplicationsTable", "final#list"), // outcomes
    send("SendEmail", MAIL_FROM, MAIL_IDENTITY),
    send("SendRawEmail", MAIL_FROM, MAIL_IDENTITY),
  ]) {
    it(`allows ${name(call)}`, () => assert.ok(allowed("NotifierFunction", call)));
  }
  for (const call of [
    item("PutItem", "ApplicantsTable", `outbox#receipt#${code}`),
    item("DeleteItem", "ApplicantsTable", `outbox#receipt#${code}`),
    item("UpdateItem", "ApplicantsTable", `applicant#${code}`),
    item("PutItem", "ApplicantsTable", `applicant#${code}`),
    item("GetItem", "ApplicantsTable", "suspect#0d9c"),
    item("UpdateItem", "ApplicationsTable", "final#list"),
    item("PutItem", "ApplicationsTable", `application#${code}`),
    item("GetItem", "ApplicationsTable", "member#gamsumo"),
    item("GetItem", "ApplicationsTable", `score#gamsumo#1#${code}`),
    item("GetItem", "ApplicationsTable", "submission#0d9c"),
    scan("ApplicationsTable"),
    send("SendEmail", `someone.else@${MAIL_IDENTITY}`, MAIL_IDENTITY),
    send("SendEmail", "noreply@elsewhere.example", "elsewhere.example"),
    { action: "ses:SendEmail", resources: [sesArn("identity/elsewhere.example")], context: { "ses:FromAddress": [MAIL_FROM] } },
    { action: "ses:CreateEmailIdentity", resources: [sesArn(`identity/${MAIL_IDENTITY}`)], context: {} },
  ]) {
    it(`refuses ${name(call)}`, () => assert.ok(!allowed("NotifierFunction", call)));
  }
});

describe("the notifier as the contract describes it", () => {
  const notifier = resources.NotifierFunction.Properties;

  it("is a provided.al2023 binary of its own, on the intake's architecture", () => {
    const intake = resources.IntakeFunction.Properties;
    assert.equal(notifier.Runtime, "provided.al2023");
    assert.equal(notifier.Handler, "bootstrap");
    assert.deepEqual(notifier.Architectures, intake.Architectures);
    assert.notEqual(notifier.CodeUri, intake.CodeUri, "each binary is a bootstrap in its own folder");
  });

  it("runs every minute, one run at a time, each shorter than the minute", () => {
    const events = Object.values(notifier.Events);
    assert.deepEqual(events.filter((e) => e.Type === "Schedule").map((e) => e.Properties.Schedule), ["rate(1 minute)"]);
    assert.equal(notifier.ReservedConcurrentExecutions, 1);
    assert.ok(notifier.Timeout < 60, `timeout ${notifier.Timeout} s`);
  });

  it("hears SES's bounces and complaints through the topic SES publishes them to", () => {
    const sns = Object.values(notifier.Events).filter((e) => e.Type === "SNS");
    assert.deepEqual(sns.map((e) => e.Properties.Topic), [{ Ref: "MailEventsTopic" }]);
    const destination = resources.MailEventDestination.Properties;
    assert.deepEqual(destination.ConfigurationSetName, { Ref: "MailConfigurationSet" });
    assert.deepEqual([...destination.EventDestination.MatchingEventTypes].sort(), ["bounce", "complaint"],
      "no open or click tracking");
    assert.deepEqual(destination.EventDestination.SnsDestination.TopicARN, { Ref: "MailEventsTopic" });
    const publish = resources.MailEventsTopicPolicy.Properties.PolicyDocument.Statement;
    assert.deepEqual(publish.map((s) => s.Principal), [{ Service: "ses.amazonaws.com" }], "only SES publishes there");
  });

  it("gets the environment the notifier binary reads", () => {
    const variables = notifier.Environment.Variables;
    assert.deepEqual(variables.APPLICATIONS_TABLE, { Ref: "ApplicationsTable" });
    assert.deepEqual(variables.APPLICANTS_TABLE, { Ref: "ApplicantsTable" });
    assert.deepEqual(variables.MAIL_FROM, { Ref: "MailFrom" });
    assert.deepEqual(variables.DIGEST_INTERVAL_SECONDS, { Ref: "DigestIntervalSeconds" });
    assert.deepEqual(variables.SES_CONFIGURATION_SET, { Ref: "MailConfigurationSet" });
    assert.equal(template.Parameters.DigestIntervalSeconds.Default, 600);
    const source = mailSource();
    if (source) {
      // The tables' names are read by the store (store::Tables), the rest by the notifier.
      const readers = source + rustSource("store");
      for (const name of ["APPLICATIONS_TABLE", "APPLICANTS_TABLE", "MAIL_FROM", "DIGEST_INTERVAL_SECONDS", "SES_CONFIGURATION_SET"]) {
        assert.ok(readers.includes(`"${name}"`), `the notifier (or the store it uses) reads ${name}`);
      }
    }
  });

  it("logs into a group that expires, as the intake's does", () => {
    assert.deepEqual(notifier.LoggingConfig.LogGroup, { Ref: "NotifierLogGroup" });
    assert.equal(resources.NotifierLogGroup.Properties.RetentionInDays, resources.IntakeLogGroup.Properties.RetentionInDays);
  });
});

/** Every .rs file of a crate's src/, joined; undefined when there is no such crate. */
function rustSource(crate) {
  const dir = join(root, crate, "src");
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".rs"));
  return files.map((f) => readFileSync(join(dir, String(f)), "utf8")).join("\n");
}

/** The mail crate's source; undefined before the crate exists. */
const mailSource = () => rustSource("mail");

describe("the mail alarms reach the operator and match what the notifier logs", () => {
  const alarms = Object.entries(resources).filter(([, r]) => r.Type === "AWS::CloudWatch::Alarm");
  const filters = Object.entries(resources).filter(([, r]) => r.Type === "AWS::Logs::MetricFilter"
    && r.Properties.LogGroupName.Ref === "NotifierLogGroup");

  it("every alarm, old and new, tells AlarmTopic when it fires and when it is over", () => {
    for (const [logical, alarm] of alarms) {
      assert.deepEqual(alarm.Properties.AlarmActions, [{ Ref: "AlarmTopic" }], logical);
      assert.deepEqual(alarm.Properties.OKActions, [{ Ref: "AlarmTopic" }], logical);
    }
  });

  it("each log line the operator must hear of has a filter, an alarm on its metric, and is logged by the mail crate", () => {
    const terms = filters.map(([, f]) => f.Properties.FilterPattern.replace(/^"|"$/g, ""));
    assert.deepEqual([...terms].sort(),
      ["mail_bounce", "mail_complaint", "mail_resent_after_interrupted_try", "mail_send_failed",
        "mail_sender_not_verified", "mail_sent_not_recorded"]);
    for (const [logical, filter] of filters) {
      const [{ MetricNamespace, MetricName }] = filter.Properties.MetricTransformations;
      const watching = alarms.filter(([, a]) => a.Properties.MetricName === MetricName
        && JSON.stringify(a.Properties.Namespace) === JSON.stringify(MetricNamespace));
      assert.equal(watching.length, 1, `one alarm on ${logical}'s metric ${MetricName}`);
      assert.equal(watching[0][1].Properties.Threshold, 1, "one line is enough");
    }
    const source = mailSource();
    if (source) {
      for (const term of terms) assert.ok(source.includes(`"${term}"`), `the mail crate logs "${term}"`);
    }
  });

  it("alarms on the notifier's errors, and on its not running for 10 minutes", () => {
    const on = (metric) => alarms.filter(([, a]) => a.Properties.Namespace === "AWS/Lambda"
      && a.Properties.MetricName === metric
      && a.Properties.Dimensions?.some((d) => d.Value?.Ref === "NotifierFunction"));
    assert.equal(on("Errors").length, 1);
    const [[, silent]] = on("Invocations");
    assert.equal(silent.Properties.ComparisonOperator, "LessThanThreshold");
    assert.equal(silent.Properties.Threshold, 1);
    assert.equal(silent.Properties.Period * silent.Properties.EvaluationPeriods, 600);
    assert.equal(silent.Properties.TreatMissingData, "breaching", "no data is no run");
  });
});
