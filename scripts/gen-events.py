#!/usr/bin/env python3
"""Writes the sample events in events/ (one or more per function).

The webhook samples are API Gateway HTTP API (payload 2.0) events with the form bodies Twilio
sends and an X-Twilio-Signature made with the documented test token for the documented URL:

    TWILIO_AUTH_TOKEN = sample-auth-token
    PUBLIC_BASE_URL   = https://abc123.execute-api.us-east-1.amazonaws.com
                        (or unset: the Host header of every sample is that API's host)

Run again after changing a sample (stdlib only): python3 scripts/gen-events.py
tests/events.rs feeds every file to its handler and fails on a stale signature.
"""

import base64
import hashlib
import hmac
import json
import os
import urllib.parse
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

TOKEN = "sample-auth-token"
API_ID = "abc123"
HOST = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
BASE = f"https://{HOST}"
ACCOUNT = "123456789012"
TWILIO_ACCOUNT_SID = "AC" + "0" * 30 + "01"  # a made-up account
FROM = "+61255501234"  # the product's Twilio number (made up)
EVENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "events")

ALICE = {"employeeId": "emp_1", "firstName": "Alice", "phone": "+61400000001"}
BOB = {"employeeId": "emp_2", "firstName": "Bob", "phone": "+61400000002"}
CAROL = {"employeeId": "emp_3", "firstName": "Carol", "phone": "+61400000003"}
DAN = {"employeeId": "emp_4", "firstName": "Dan", "phone": "+61400000004"}

# The CallSids the dialer's calls get (tests/events.rs's Twilio answers with these).
SID_ALICE = "CA5b1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d"
SID_BOB = "CA9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"


# Wave 3 ends at 20:45Z on 22 Jan 2027 (07:45 in Sydney); the first call is at 21:00:05Z.
T0 = datetime(2027, 1, 22, 21, 0, 5, tzinfo=timezone.utc)


def at(seconds):
    """(API Gateway's time, timeEpoch in ms, Twilio's RFC 2822 Timestamp) at T0 + seconds."""
    dt = T0 + timedelta(seconds=seconds)
    return (
        dt.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        int(dt.timestamp() * 1000),
        format_datetime(dt),
    )


def sign(url, params):
    data = url + "".join(k + v for k, v in sorted(params))
    digest = hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def write(name, event):
    path = os.path.join(EVENTS, name)
    with open(path, "w") as f:
        json.dump(event, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("wrote", os.path.relpath(path))


def request_context(method, path, route_key, time, epoch, source_ip, user_agent, request_id):
    return {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        "domainName": HOST,
        "domainPrefix": API_ID,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": time,
        "timeEpoch": epoch,
    }


def query_map(query):
    return {k: v for k, v in urllib.parse.parse_qsl(query)}


def twilio_event(method, path, query, params, request_id, secs, idem):
    """A Twilio webhook as API Gateway delivers it: the form body base64-encoded."""
    time, epoch, _ = at(secs)
    url = BASE + path + ("?" + query if query else "")
    body = urllib.parse.urlencode(params)
    headers = {
        "accept": "*/*",
        "cache-control": "max-age=259200",
        "host": HOST,
        "i-twilio-idempotency-token": idem,
        "user-agent": "TwilioProxy/1.1",
        "x-amzn-trace-id": f"Root=1-{epoch // 1000:x}-{hashlib.sha1(request_id.encode()).hexdigest()[:24]}",
        "x-forwarded-for": "54.172.60.3",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        "x-home-region": "us1",
        "x-twilio-signature": sign(url, params),
    }
    if method == "POST":
        headers["content-type"] = "application/x-www-form-urlencoded"
        headers["content-length"] = str(len(body))
    event = {
        "version": "2.0",
        "routeKey": f"{method} {path if 'audio' not in path else '/api/outbound/audio/{callId}'}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
    }
    if query:
        event["queryStringParameters"] = query_map(query)
    if "audio" in path:
        event["pathParameters"] = {"callId": path.rsplit("/", 1)[1]}
    event["requestContext"] = request_context(
        method, path, event["routeKey"], time, epoch, "54.172.60.3", "TwilioProxy/1.1", request_id
    )
    if method == "POST":
        event["body"] = base64.b64encode(body.encode()).decode()
        event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def call_params(sid, to, status, extra=()):
    """What Twilio posts about an outbound-api call (From is our number, To the staff)."""
    p = [
        ("AccountSid", TWILIO_ACCOUNT_SID),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", sid),
        ("CallStatus", status),
        ("Called", to),
        ("CalledCity", ""),
        ("CalledCountry", "AU"),
        ("CalledState", ""),
        ("CalledZip", ""),
        ("Caller", FROM),
        ("CallerCity", ""),
        ("CallerCountry", "AU"),
        ("CallerState", ""),
        ("CallerZip", ""),
        ("Direction", "outbound-api"),
        ("From", FROM),
        ("FromCity", ""),
        ("FromCountry", "AU"),
        ("FromState", ""),
        ("FromZip", ""),
        ("To", to),
        ("ToCity", ""),
        ("ToCountry", "AU"),
        ("ToState", ""),
        ("ToZip", ""),
    ]
    return p + list(extra)


def status_params(sid, to, status, seq, timestamp, extra=()):
    p = call_params(sid, to, status)
    p += [("CallbackSource", "call-progress-events"), ("SequenceNumber", str(seq)), ("Timestamp", timestamp)]
    return p + list(extra)


def api_event(method, path, route_key, body, secs, request_id, authorizer, extra_headers, path_params=None, query=""):
    time, epoch, _ = at(secs)
    headers = {
        "accept": "application/json",
        "host": HOST,
        "user-agent": "Mozilla/5.0",
        "x-amzn-trace-id": f"Root=1-{epoch // 1000:x}-{hashlib.sha1(request_id.encode()).hexdigest()[:24]}",
        "x-forwarded-for": "203.0.113.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    headers.update(extra_headers)
    if body is not None:
        headers["content-type"] = "application/json"
        headers["content-length"] = str(len(body.encode()))
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
    }
    if query:
        event["queryStringParameters"] = query_map(query)
    if path_params:
        event["pathParameters"] = path_params
    ctx = request_context(method, path, route_key, time, epoch, headers["x-forwarded-for"], headers["user-agent"], request_id)
    ctx["authorizer"] = authorizer
    event["requestContext"] = ctx
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = False
    return event


# A provider's access token as the JWT authorizer passes it on (already verified by API Gateway).
JWT_CLAIMS = {
    "auth_time": str(at(-1800)[1] // 1000),
    "client_id": "4example0client0id0abcdefg",
    "exp": str(at(1800)[1] // 1000),
    "iat": str(at(-1800)[1] // 1000),
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example",
    "jti": "6f2b1d9e-8c1a-4c6e-9a51-2f3b7c0d1e2f",
    "provider_id": "prov_1",
    "scope": "aws.cognito.signin.user.admin",
    "sub": "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
    "token_use": "access",
    "username": "coordinator@example.com",
}
# An unsigned stand-in for the bearer token (the function reads the claims, not the token).
BEARER = "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6InNhbXBsZSJ9.eyJwcm92aWRlcl9pZCI6InByb3ZfMSJ9.c2FtcGxl"
JWT_AUTH = {"jwt": {"claims": JWT_CLAIMS, "scopes": None}}
IAM_AUTH = {
    "iam": {
        "accessKey": "ASIAEXAMPLEEXAMPLE00",
        "accountId": ACCOUNT,
        "callerId": "AROAEXAMPLEEXAMPLE000:sms-system",
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/sms-system/sms-system",
        "userId": "AROAEXAMPLEEXAMPLE000:sms-system",
    }
}


def main():
    os.makedirs(EVENTS, exist_ok=True)

    # ---------------------------------------------------------------- start-calling
    detail_123 = {
        "occurrenceId": "occ_123",
        "providerId": "prov_1",
        "job": {
            "patientName": "Margaret Thompson",
            "startsAt": "2027-01-23T09:00:00+11:00",
            "endsAt": "2027-01-23T13:00:00+11:00",
            "timeZone": "Australia/Sydney",
            "suburb": "Parramatta",
        },
        "staffPool": [ALICE, BOB, CAROL],
    }
    write(
        "start-calling.json",
        {
            "version": "0",
            "id": "7c1e2b54-3f5d-4d0a-9a55-1b8f2c6e4d21",
            "detail-type": "Wave3Completed",
            "source": "shift-sms",
            "account": ACCOUNT,
            "time": (T0 - timedelta(minutes=15, seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": [],
            "detail": detail_123,
        },
    )
    # The platform cancels occ_123 (the rostering system's ShiftCancelled).
    write(
        "start-calling-shift-cancelled.json",
        {
            "version": "0",
            "id": "3b9d0f6e-2a41-4c5e-8f7a-6d2e1c9b4a70",
            "detail-type": "ShiftCancelled",
            "source": "rostering",
            "account": ACCOUNT,
            "time": (T0 + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": [],
            "detail": {"occurrenceId": "occ_123"},
        },
    )
    # Direct invoke: the bare detail.
    write(
        "start-calling-detail.json",
        {
            "occurrenceId": "occ_124",
            "providerId": "prov_1",
            "job": {
                "patientName": "Ken O'Brien",
                "startsAt": "2027-01-23T15:30:00+11:00",
                "endsAt": "2027-01-23T17:30:00+11:00",
                "timeZone": "Australia/Sydney",
                "suburb": "Blacktown",
            },
            "staffPool": [BOB, DAN],
        },
    )

    # ---------------------------------------------------------------- dialer
    def sqs_record(message_id, body, sender, sent_ms, receipt):
        return {
            "messageId": message_id,
            "receiptHandle": receipt,
            "body": body,
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": str(sent_ms),
                "SenderId": sender,
                "ApproximateFirstReceiveTimestamp": str(sent_ms + 12),
            },
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:us-east-1:{ACCOUNT}:shift-callout-DialQueue-Q1w2E3r4T5y6",
            "awsRegion": "us-east-1",
        }

    write(
        "dialer.json",
        {
            "Records": [
                # Put by EventBridge Scheduler (the shift's first call) ...
                sqs_record(
                    "3f1c9a7e-0b2d-4e8f-a6c5-9d1b2e3f4a5b",
                    json.dumps({"occurrenceId": "occ_123", "attempt": 0}, separators=(",", ":")),
                    "AROAEXAMPLESCHEDULER0:4f2a9c1b3d5e7f90",
                    at(-5)[1],
                    "AQEBexampleReceiptHandle0001==",
                ),
                # ... and by the start of another shift.
                sqs_record(
                    "8b2d4f6a-1c3e-4a5b-8d7f-0e9c1b2a3d4e",
                    json.dumps({"occurrenceId": "occ_124", "attempt": 0}, separators=(",", ":")),
                    "AROAEXAMPLESCHEDULER0:9e8d7c6b5a4f3e2d",
                    at(-5)[1] + 1000,
                    "AQEBexampleReceiptHandle0002==",
                ),
            ]
        },
    )

    # ---------------------------------------------------------------- webhooks (occ_123: Alice)
    write(
        "call-status-ringing.json",
        twilio_event(
            "POST",
            "/api/outbound/status",
            "occurrenceId=occ_123&attempt=0",
            status_params(SID_ALICE, ALICE["phone"], "ringing", 1, at(0)[2]),
            "Jv3xAhNqSwMEPwQ=",
            0,
            "f3c1a9e2-5b7d-4c0e-8a2f-6d1b3e5c7a90",
        ),
    )
    write(
        "call-twiml.json",
        twilio_event(
            "POST",
            "/api/outbound/twiml",
            "occurrenceId=occ_123&attempt=0&audio=1",
            call_params(SID_ALICE, ALICE["phone"], "in-progress"),
            "Jv3xLhgrSwMEPzg=",
            9,
            "a8b7c6d5-e4f3-4a2b-9c1d-0e9f8a7b6c5d",
        ),
    )
    write(
        "call-audio.json",
        twilio_event(
            "GET",
            "/api/outbound/audio/occ_123.0",
            "",
            [],
            "Jv3xMjcjSwMEPzw=",
            9,
            "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
        ),
    )
    write(
        "call-response-accept.json",
        twilio_event(
            "POST",
            "/api/outbound/response",
            "occurrenceId=occ_123&attempt=0&employeeId=emp_1&audio=1",
            call_params(SID_ALICE, ALICE["phone"], "in-progress", [("Digits", "1"), ("FinishedOnKey", "")]),
            "Jv3xYgv4SwMEP0o=",
            17,
            "c9d8e7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f",
        ),
    )

    # ---------------------------------------------------------------- webhooks (occ_124: Bob)
    write(
        "call-timeout.json",
        twilio_event(
            "POST",
            "/api/outbound/timeout",
            "occurrenceId=occ_124&attempt=0",
            call_params(SID_BOB, BOB["phone"], "in-progress"),
            "Jv3xdFJDSwMEP1Q=",
            31,
            "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a",
        ),
    )
    write(
        "call-status-completed.json",
        twilio_event(
            "POST",
            "/api/outbound/status",
            "occurrenceId=occ_124&attempt=0",
            status_params(
                SID_BOB,
                BOB["phone"],
                "completed",
                3,
                at(32)[2],
                [("CallDuration", "24"), ("Duration", "1"), ("SipResponseCode", "200")],
            ),
            "Jv3xfTuoSwMEP1o=",
            32,
            "e7f8a9b0-c1d2-4e3f-8a4b-5c6d7e8f9a0b",
        ),
    )

    # Call recording: Twilio's recording status callback for Bob's recorded call.
    write(
        "call-status-recording.json",
        twilio_event(
            "POST",
            "/api/outbound/recording",
            "occurrenceId=occ_124&attempt=0",
            [
                ("AccountSid", TWILIO_ACCOUNT_SID),
                ("CallSid", SID_BOB),
                ("RecordingChannels", "1"),
                ("RecordingDuration", "23"),
                ("RecordingSid", "RE5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c"),
                ("RecordingSource", "OutboundAPI"),
                ("RecordingStartTime", at(9)[2]),
                ("RecordingStatus", "completed"),
                ("RecordingTrack", "both"),
                ("RecordingUrl", f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Recordings/RE5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c"),
            ],
            "Jv3xgUvpSwMEP1p=",
            34,
            "f8a9b0c1-d2e3-4f4a-9b5c-6d7e8f9a0b1c",
        ),
    )
    # Call recording: the daily run that deletes recordings past their retention (the
    # EventBridge schedule's input).
    write("start-calling-recording-retention.json", {"recordingRetention": "deleteExpired"})

    # ---------------------------------------------------------------- job-acceptance (IAM)
    body = json.dumps({"employeeId": "emp_2", "channel": "sms"})
    write(
        "job-acceptance.json",
        api_event(
            "POST",
            "/api/jobs/occ_124/acceptance",
            "POST /api/jobs/{occurrenceId}/acceptance",
            body,
            65,
            "Jv3xoGdnSwMEP2c=",
            IAM_AUTH,
            {
                "authorization": "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE00/20270122/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=0000000000000000000000000000000000000000000000000000000000000000",
                "user-agent": "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0",
                "x-amz-date": (T0 + timedelta(seconds=65)).strftime("%Y%m%dT%H%M%SZ"),
            },
            {"occurrenceId": "occ_124"},
        ),
    )

    # ---------------------------------------------------------------- provider-settings (JWT)
    auth = {"authorization": BEARER}
    patch = json.dumps({"enabled": True, "waitMinutes": 10, "maxRounds": 2})
    write(
        "provider-settings-patch.json",
        api_event(
            "PATCH",
            "/api/provider/outbound-calling",
            "PATCH /api/provider/outbound-calling",
            patch,
            -605,
            "Jv3wAbcdSwMEP0A=",
            JWT_AUTH,
            auth,
        ),
    )
    write(
        "provider-settings-get.json",
        api_event(
            "GET",
            "/api/provider/outbound-calling",
            "GET /api/provider/outbound-calling",
            None,
            -600,
            "Jv3wBcdeSwMEP0B=",
            JWT_AUTH,
            auth,
        ),
    )
    listen = json.dumps({"language": "es"})
    write(
        "provider-settings-listen.json",
        api_event(
            "POST",
            "/api/provider/outbound-calling/listen",
            "POST /api/provider/outbound-calling/listen",
            listen,
            -590,
            "Jv3wCdefSwMEP0D=",
            JWT_AUTH,
            auth,
        ),
    )
    write(
        "provider-settings-calls.json",
        api_event(
            "GET",
            "/api/provider/jobs/occ_123/calls",
            "GET /api/provider/jobs/{occurrenceId}/calls",
            None,
            115,
            "Jv3xCdefSwMEP0C=",
            JWT_AUTH,
            auth,
            {"occurrenceId": "occ_123"},
        ),
    )
    # Call recording: Bob's recorded call, for its provider only.
    write(
        "provider-settings-recording.json",
        api_event(
            "GET",
            "/api/provider/jobs/occ_124/calls/0/recording",
            "GET /api/provider/jobs/{occurrenceId}/calls/{attempt}/recording",
            None,
            125,
            "Jv3xEfghSwMEP0E=",
            JWT_AUTH,
            auth,
            {"occurrenceId": "occ_124", "attempt": "0"},
        ),
    )
    # Results: the call log of the last 30 days as CSV.
    write(
        "provider-settings-calls-csv.json",
        api_event(
            "GET",
            "/api/provider/calls.csv",
            "GET /api/provider/calls.csv",
            None,
            120,
            "Jv3xDefgSwMEP0D=",
            JWT_AUTH,
            auth,
            query="days=30",
        ),
    )

    # ---------------------------------------------------------------- inbound (Dan rings back, texts HELP)
    write(
        "inbound-voice.json",
        twilio_event(
            "POST",
            "/api/inbound/voice",
            "",
            [
                ("AccountSid", TWILIO_ACCOUNT_SID),
                ("ApiVersion", "2010-04-01"),
                ("CallSid", "CA0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"),
                ("CallStatus", "ringing"),
                ("Called", FROM),
                ("Caller", DAN["phone"]),
                ("Direction", "inbound"),
                ("From", DAN["phone"]),
                ("To", FROM),
            ],
            "Jv3yAbcdSwMEP2A=",
            140,
            "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
        ),
    )
    write(
        "inbound-sms.json",
        twilio_event(
            "POST",
            "/api/inbound/sms",
            "",
            [
                ("AccountSid", TWILIO_ACCOUNT_SID),
                ("ApiVersion", "2010-04-01"),
                ("Body", "HELP"),
                ("From", DAN["phone"]),
                ("MessageSid", "SM1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"),
                ("NumMedia", "0"),
                ("NumSegments", "1"),
                ("SmsMessageSid", "SM1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"),
                ("SmsSid", "SM1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"),
                ("SmsStatus", "received"),
                ("To", FROM),
            ],
            "Jv3yBcdeSwMEP2B=",
            150,
            "f2a3b4c5-d6e7-4f8a-9b0c-1d2e3f4a5b6c",
        ),
    )


if __name__ == "__main__":
    main()
