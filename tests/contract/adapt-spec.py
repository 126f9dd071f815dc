#!/usr/bin/env python3
"""Makes the vendored Twilio spec (twilio_api_v2010.json) from Twilio's own
(../../../shared/reference/twilio_api_v2010.json, MIT, LICENSE beside it), changing one schema:

Create Call's `StatusCallbackEvent` is an array in the spec, sent the way Twilio documents it:
one form field per value (`StatusCallbackEvent=initiated&StatusCallbackEvent=ringing...`).
Prism's form parser reads a repeated field as a string (the last value), so the check would
reject Twilio's own documented request. The adapted schema accepts a string or an array of
strings; every other part of the spec is Twilio's, unchanged.

    python3 tests/contract/adapt-spec.py [path/to/twilio_api_v2010.json]
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../shared/reference/twilio_api_v2010.json")

with open(SOURCE) as f:
    spec = json.load(f)

op = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Calls.json"]["post"]
props = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
original = props["StatusCallbackEvent"]
assert original["type"] == "array", original
props["StatusCallbackEvent"] = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
    ],
    "description": original["description"],
    "x-adapted": "Prism reads a repeated form field as a string: see tests/contract/README.md",
}

with open(os.path.join(HERE, "twilio_api_v2010.json"), "w") as f:
    f.write(json.dumps(spec, indent=2))
print("wrote tests/contract/twilio_api_v2010.json")
