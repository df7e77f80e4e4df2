#!/usr/bin/env python3
"""Prints the arguments that give lambda_emulator.py a function deploy/template.yaml
declares, one a line, for `mapfile`: its HTTP API routes or its schedule, memory, timeout,
handler, the environment variables the template gives as plain values or as parameters, and
what its LoggingConfig makes Lambda set (AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_LOG_LEVEL).

    tests/.tools/venv/bin/python deploy/local/emulator_args.py --function IntakeFunction \\
        [--parameter OriginSecret=…]…
    --function-name=IntakeFunction
    --route=POST /api/applications
    …
    --env=ORIGIN_SECRET=…
    --env=RUST_LOG=info

    tests/.tools/venv/bin/python deploy/local/emulator_args.py --function NotifierFunction \\
        --parameter MailFrom=… --parameter MailIdentity=…
    --function-name=NotifierFunction
    --schedule=rate(1 minute)
    …

`--function` may be left out while the template has one function only. A Schedule event
(an EventBridge rule, SAM's `Schedule` or `ScheduleV2`) becomes `--schedule=<its rate>`;
other events (SNS) have no counterpart in the emulator and are named on stderr.

A variable the template gives as `!Ref SomeParameter` takes the parameter's value from
`--parameter SomeParameter=VALUE` (repeatable), else from the environment variable
`CFN_PARAMETER_SomeParameter`, else the parameter's Default. The value must meet the
parameter's MinLength, MaxLength, AllowedPattern, AllowedValues and, for a Number, MinValue
and MaxValue, as CloudFormation would demand (exit 2 if not). A parameter with no value and no default is left out, named on stderr, like the
variables the template computes (`!Ref ApplicationsTable`: create_tables.py prints those).
A NoEcho parameter's value is never printed on stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

import cfn_template

ENV_PREFIX = "CFN_PARAMETER_"


def parameter_values(template: dict, given: list[str]) -> dict[str, str]:
    """{name: value} for every parameter with a value: --parameter, then the environment, then Default."""
    declared = template.get("Parameters", {})
    from_command_line = {}
    for pair in given:
        name, separator, value = pair.partition("=")
        if not separator:
            raise SystemExit(f"emulator_args: --parameter takes NAME=VALUE, not {pair!r}")
        if name not in declared:
            raise SystemExit(f"emulator_args: the template has no parameter {name}: {', '.join(declared)}")
        from_command_line[name] = value
    values = {}
    for name, declaration in declared.items():
        if name in from_command_line:
            value = from_command_line[name]
        elif ENV_PREFIX + name in os.environ:
            value = os.environ[ENV_PREFIX + name]
        elif "Default" in declaration:
            value = str(declaration["Default"])
        else:
            continue
        check(name, declaration, value)
        values[name] = value
    return values


def check(name: str, declaration: dict, value: str) -> None:
    problems = []
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        problems.append(f"at least {declaration['MinLength']} characters")
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        problems.append(f"at most {declaration['MaxLength']} characters")
    if "AllowedPattern" in declaration and not re.fullmatch(declaration["AllowedPattern"], value):
        problems.append(f"to match {declaration['AllowedPattern']}")
    if "AllowedValues" in declaration and value not in [str(v) for v in declaration["AllowedValues"]]:
        problems.append(f"one of {declaration['AllowedValues']}")
    if declaration.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            problems.append("a number")
        else:
            if "MinValue" in declaration and number < float(declaration["MinValue"]):
                problems.append(f"at least {declaration['MinValue']}")
            if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
                problems.append(f"at most {declaration['MaxValue']}")
    if problems:
        shown = "(hidden: NoEcho)" if declaration.get("NoEcho") else repr(value)
        print(f"emulator_args: parameter {name} {shown} must be {' and '.join(problems)}", file=sys.stderr)
        raise SystemExit(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", default=cfn_template.DEFAULT)
    parser.add_argument("--function", help="its logical id; needed when the template has several")
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help=f"a template parameter's value (else ${ENV_PREFIX}NAME, else its Default)")
    args = parser.parse_args()

    template = cfn_template.load(args.template)
    functions = cfn_template.resources_of_type(template, "AWS::Serverless::Function")
    if args.function:
        functions = {args.function: functions[args.function]} if args.function in functions else {}
    if len(functions) != 1:
        raise SystemExit(f"emulator_args: name one of the template's functions with --function: {', '.join(functions) or 'none'}")
    (logical, function), = functions.items()
    parameters = parameter_values(template, args.parameter)
    declared = template.get("Parameters", {})
    globals_ = template.get("Globals", {}).get("Function", {})
    properties = {**globals_, **function.get("Properties", {})}

    lines = [f"--function-name={logical}"]
    for name, event in (properties.get("Events") or {}).items():
        if event.get("Type") in ("Schedule", "ScheduleV2"):
            key = "Schedule" if event["Type"] == "Schedule" else "ScheduleExpression"
            expression = event.get("Properties", {}).get(key)
            if not isinstance(expression, str):
                raise SystemExit(f"emulator_args: {logical}'s event {name} has no plain {key}")
            lines.append(f"--schedule={expression}")
            continue
        if event.get("Type") != "HttpApi":
            print(f"emulator_args: {logical}'s {event.get('Type')} event {name} is not emulated; left out",
                  file=sys.stderr)
            continue
        method = str(event.get("Properties", {}).get("Method", "ANY")).upper()
        path = event.get("Properties", {}).get("Path")
        # An HttpApi event without a path is the API's $default route.
        lines.append(f"--route={method} {path}" if path else "--route=$default")
    for key, flag in (("MemorySize", "--memory"), ("Timeout", "--timeout"), ("Handler", "--handler")):
        if key in properties:
            lines.append(f"{flag}={properties[key]}")
    # What Lambda itself sets from the function's LoggingConfig.
    logging = properties.get("LoggingConfig") or {}
    if isinstance(logging.get("LogFormat"), str):
        lines.append(f"--env=AWS_LAMBDA_LOG_FORMAT={logging['LogFormat']}")
        if logging["LogFormat"] == "JSON" and isinstance(logging.get("ApplicationLogLevel", "INFO"), str):
            lines.append(f"--env=AWS_LAMBDA_LOG_LEVEL={logging.get('ApplicationLogLevel', 'INFO')}")
    variables = {**globals_.get("Environment", {}).get("Variables", {}),
                 **(function.get("Properties", {}).get("Environment", {}).get("Variables", {}))}
    for name, value in variables.items():
        if isinstance(value, (str, int, float)):
            lines.append(f"--env={name}={value}")
        elif isinstance(value, dict) and value.get("Ref") in declared:
            parameter = value["Ref"]
            if parameter in parameters:
                lines.append(f"--env={name}={parameters[parameter]}")
            else:
                print(f"emulator_args: {name} is the parameter {parameter}, which has no value and no default: "
                      f"give --parameter {parameter}=… or {ENV_PREFIX}{parameter}; left out", file=sys.stderr)
        else:
            print(f"emulator_args: {name} is computed by the template ({value}); the rehearsal gives it", file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
