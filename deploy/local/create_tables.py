#!/usr/bin/env python3
"""Creates the DynamoDB tables of deploy/template.yaml in a local DynamoDB, as the template
declares them, and prints the names the function's environment gives them:

    tests/.tools/venv/bin/python deploy/local/create_tables.py --endpoint http://127.0.0.1:8000
    APPLICATIONS_TABLE=mektep-rehearsal-ApplicationsTable
    APPLICANTS_TABLE=mektep-rehearsal-ApplicantsTable

Every `AWS::DynamoDB::Table` resource becomes a table named as CloudFormation would name it
(its TableName, or `<stack>-<logical id>`; CloudFormation adds a random suffix, which a
rehearsal does without). The lines printed are the function's environment variables whose
value is `!Ref` of a table (`APPLICATIONS_TABLE: !Ref ApplicationsTable`), so that the template
stays the one place that says which table is which. A property the template gains that this
script does not know stops it, rather than being left out silently.

Needs PyYAML and boto3 (both in tests/.tools/venv, which tests/setup.sh makes).
"""

from __future__ import annotations

import argparse
import os
import sys

import boto3

import cfn_template

# Properties turned into CreateTable's parameters, and those with a call of their own.
CREATE = {"AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput", "GlobalSecondaryIndexes",
          "LocalSecondaryIndexes", "StreamSpecification", "SSESpecification", "TableClass",
          "DeletionProtectionEnabled", "Tags", "TableName"}
AFTER = {"TimeToLiveSpecification", "PointInTimeRecoverySpecification"}
# Settings of the AWS account's side that a local table has no use for.
NOT_LOCAL = {"ContributorInsightsSpecification", "KinesisStreamSpecification", "ImportSourceSpecification",
             "ResourcePolicy", "OnDemandThroughput", "WarmThroughput"}


def resolve(value, stack: str, region: str):
    """A plain value, or the few intrinsics a table's properties may use here."""
    if isinstance(value, dict) and len(value) == 1:
        (name, argument), = value.items()
        if name == "Fn::Sub" and isinstance(argument, str):
            pseudo = {"AWS::StackName": stack, "AWS::Region": region, "AWS::Partition": "aws",
                      "AWS::AccountId": "123456789012", "AWS::URLSuffix": "amazonaws.com"}
            for key, text in pseudo.items():
                argument = argument.replace("${" + key + "}", text)
            if "${" in argument:
                raise SystemExit(f"create_tables: cannot resolve {argument!r} locally")
            return argument
        if name.startswith("Fn::") or name == "Ref":
            raise SystemExit(f"create_tables: cannot resolve {name} {argument!r} in a table's properties locally")
    if isinstance(value, dict):
        return {key: resolve(item, stack, region) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, stack, region) for item in value]
    return value


def create_table_request(name: str, properties: dict) -> dict:
    request: dict = {"TableName": name}
    for key in ("AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput", "TableClass",
                "DeletionProtectionEnabled", "Tags", "LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        if key in properties:
            request[key] = properties[key]
    if "StreamSpecification" in properties:
        request["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
    if "SSESpecification" in properties:
        sse = dict(properties["SSESpecification"])
        # CloudFormation's SSEEnabled is the API's Enabled.
        if "SSEEnabled" in sse:
            sse["Enabled"] = sse.pop("SSEEnabled")
        request["SSESpecification"] = sse
    return request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", default=cfn_template.DEFAULT)
    parser.add_argument("--endpoint", default=os.environ.get("DYNAMODB_ENDPOINT"),
                        help="the local DynamoDB (default: $DYNAMODB_ENDPOINT)")
    parser.add_argument("--stack", default="mektep-rehearsal", help="the stack name tables are named after")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "eu-central-1"))
    args = parser.parse_args()
    if not args.endpoint:
        parser.error("give --endpoint or set DYNAMODB_ENDPOINT (a local DynamoDB: bash tests/dynamodb-local.sh)")

    template = cfn_template.load(args.template)
    tables = {logical: resource.get("Properties", {})
              for logical, resource in cfn_template.resources_of_type(template, "AWS::DynamoDB::Table").items()}
    if not tables:
        raise SystemExit(f"create_tables: {args.template} declares no AWS::DynamoDB::Table")

    # DynamoDB Local keeps a database per access key and region: every tool of a rehearsal
    # uses the same two.
    client = boto3.client("dynamodb", endpoint_url=args.endpoint, region_name=args.region,
                          aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
                          aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))
    names: dict[str, str] = {}
    for logical, raw in tables.items():
        unknown = set(raw) - CREATE - AFTER - NOT_LOCAL
        if unknown:
            raise SystemExit(f"create_tables: {logical} has properties this script does not apply: "
                             f"{', '.join(sorted(unknown))}; teach deploy/local/create_tables.py about them")
        properties = resolve(raw, args.stack, args.region)
        name = properties.get("TableName") or f"{args.stack}-{logical}"
        client.create_table(**create_table_request(name, properties))
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        pitr = properties.get("PointInTimeRecoverySpecification")
        if pitr:
            try:
                client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": pitr["PointInTimeRecoveryEnabled"]})
            except client.exceptions.ClientError as error:
                # DynamoDB Local has no backups; the table works the same without them.
                if error.response["Error"]["Code"] != "UnknownOperationException":
                    raise
                print(f"create_tables: {name}: point-in-time recovery is not in this DynamoDB; left out",
                      file=sys.stderr)
        names[logical] = name
        print(f"create_tables: created {name} ({logical})", file=sys.stderr)

    # The function's environment says which variable names which table.
    printed = set()
    functions = cfn_template.resources_of_type(template, "AWS::Serverless::Function", "AWS::Lambda::Function")
    for resource in functions.values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        for variable, value in variables.items():
            if isinstance(value, dict) and value.get("Ref") in names and variable not in printed:
                print(f"{variable}={names[value['Ref']]}")
                printed.add(variable)
    return 0


if __name__ == "__main__":
    sys.exit(main())
