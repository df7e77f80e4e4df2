#!/usr/bin/env python3
"""Prints the arguments that give lambda_emulator.py the function deploy/template.yaml
declares, one a line, for `mapfile`: its HTTP API routes, memory, timeout, handler and the
environment variables the template gives as plain values.

    tests/.tools/venv/bin/python deploy/local/emulator_args.py [--function IntakeFunction]
    --function-name=IntakeFunction
    --route=POST /api/applications
    …
    --env=RUST_LOG=info

Variables the template computes (`!Ref ApplicationsTable`) are the rehearsal's to give:
create_tables.py prints them. Each is named on stderr, so that a new one is not missed.
"""

from __future__ import annotations

import argparse
import sys

import cfn_template


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", default=cfn_template.DEFAULT)
    parser.add_argument("--function", help="its logical id; needed when the template has several")
    args = parser.parse_args()

    template = cfn_template.load(args.template)
    functions = cfn_template.resources_of_type(template, "AWS::Serverless::Function")
    if args.function:
        functions = {args.function: functions[args.function]} if args.function in functions else {}
    if len(functions) != 1:
        raise SystemExit(f"emulator_args: name one of the template's functions with --function: {', '.join(functions) or 'none'}")
    (logical, function), = functions.items()
    globals_ = template.get("Globals", {}).get("Function", {})
    properties = {**globals_, **function.get("Properties", {})}

    lines = [f"--function-name={logical}"]
    for event in (properties.get("Events") or {}).values():
        if event.get("Type") != "HttpApi":
            continue
        method = str(event.get("Properties", {}).get("Method", "ANY")).upper()
        path = event.get("Properties", {}).get("Path")
        # An HttpApi event without a path is the API's $default route.
        lines.append(f"--route={method} {path}" if path else "--route=$default")
    for key, flag in (("MemorySize", "--memory"), ("Timeout", "--timeout"), ("Handler", "--handler")):
        if key in properties:
            lines.append(f"{flag}={properties[key]}")
    variables = {**globals_.get("Environment", {}).get("Variables", {}),
                 **(function.get("Properties", {}).get("Environment", {}).get("Variables", {}))}
    for name, value in variables.items():
        if isinstance(value, (str, int, float)):
            lines.append(f"--env={name}={value}")
        else:
            print(f"emulator_args: {name} is computed by the template ({value}); the rehearsal gives it", file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
