#!/usr/bin/env python3
"""Cold start of every function against a minimal local Lambda Runtime API.

For each run, the script starts the function's release binary as Lambda would (the Runtime API
address and the function's environment), and measures the time from process start to its first
`GET /runtime/invocation/next` (init) and to its first response (init + first invocation).
Every function and a hello-world `lambda_runtime` binary built with the same profile are run
interleaved, N times each (default 25); medians are printed with the ratio to hello-world.

The first event of each function is one it answers without any outside service (a webhook with
no signature → 403, an unreadable event → rejected), so the figure is the binary's own cost.

    scripts/cold-start.py [--bin-dir target/release] [--runs 25]

Two builds of one function against each other (e.g. two release profiles), interleaved, with
that function's first event:

    scripts/cold-start.py --compare call-twiml BINARY_A BINARY_B [--runs 60]
"""
import argparse, base64, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FUNCTIONS = ["start-calling", "dialer", "call-twiml", "call-response", "call-status",
             "call-timeout", "call-audio", "job-acceptance", "provider-settings", "inbound"]

def apigw(method, path, body="", headers=None):
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": {"content-type": "application/x-www-form-urlencoded", **(headers or {})},
            "requestContext": {"accountId": "123456789012", "apiId": "local", "domainName": "local",
                               "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                        "sourceIp": "127.0.0.1", "userAgent": "cold-start"},
                               "requestId": "r", "routeKey": "$default", "stage": "$default",
                               "time": "24/Nov/2026:00:00:00 +0000", "timeEpoch": 0},
            "body": base64.b64encode(body.encode()).decode(), "isBase64Encoded": True}

FIRST_EVENT = {
    "hello-lambda": {"hello": "world"},
    "start-calling": {"detail-type": "Wave3Completed", "detail": {"occurrenceId": ""}},
    # The last try (receive count = DIAL_MAX_RECEIVE_COUNT): an unreadable task is reported
    # failed for the dead-letter queue without asking SQS for a later retry.
    "dialer": {"Records": [{"messageId": "m1", "receiptHandle": "h", "body": "not a task",
                            "attributes": {"ApproximateReceiveCount": "5"}, "messageAttributes": {},
                            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
                            "awsRegion": "us-east-1"}]},
    "call-twiml": apigw("POST", "/api/outbound/twiml", "CallSid=CA1"),
    "call-response": apigw("POST", "/api/outbound/response", "Digits=1"),
    "call-status": apigw("POST", "/api/outbound/status", "CallStatus=completed"),
    "call-timeout": apigw("POST", "/api/outbound/timeout", "CallSid=CA1"),
    "call-audio": apigw("GET", "/api/outbound/audio/occ.0"),
    "job-acceptance": apigw("POST", "/api/jobs/occ/acceptance", "{}", {"content-type": "application/json"}),
    "provider-settings": apigw("GET", "/api/provider/outbound-calling"),
    "inbound": apigw("POST", "/api/inbound/sms", "Body=HELP&From=%2B61400000001"),
}

class Runtime:
    """One invocation at a time: records when `next` and the response arrive."""
    def __init__(self):
        self.event = None
        self.error = False
        self.t_next = self.t_resp = None
        self.done = threading.Event()
        runtime = self
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_GET(self):
                if runtime.t_next is None:
                    runtime.t_next = time.perf_counter()
                    body = json.dumps(runtime.event).encode()
                    self.send_response(200)
                    self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
                    self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                    self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:f")
                    self.send_header("Lambda-Runtime-Trace-Id", "Root=1-0-0")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:  # the second `next`: hold it; the process is killed
                    runtime.done.wait(5)
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if runtime.t_resp is None:
                    runtime.t_resp = time.perf_counter()
                    runtime.error = "/error" in self.path
                self.send_response(202)
                self.end_headers()
                runtime.done.set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

def measure(binary, event, env):
    """One cold start, with a Runtime API of its own (so nothing of an earlier run can reach it)."""
    runtime = Runtime()
    runtime.event = event
    env = {**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{runtime.server.server_address[1]}"}
    start = time.perf_counter()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = runtime.done.wait(10)
    p.kill(); p.wait()
    runtime.server.shutdown(); runtime.server.server_close()
    if not ok or runtime.t_next is None:
        raise RuntimeError(f"{binary} never answered")
    return (runtime.t_next - start) * 1000, (runtime.t_resp - start) * 1000, runtime.error

def compare(function, binaries, runs, env):
    """Medians of init and first response for each binary, run interleaved."""
    staged = tempfile.mkdtemp(prefix="cold-start-")
    copies = []
    for i, b in enumerate(binaries):
        copies.append(os.path.join(staged, f"{i}-{function}"))
        shutil.copy2(b, copies[-1])
    results = [([], []) for _ in binaries]
    for _ in range(runs):
        for i, c in enumerate(copies):
            init, first, _err = measure(c, FIRST_EVENT[function], env)
            results[i][0].append(init)
            results[i][1].append(first)
    print(f"{function}: cold start, median of {runs} interleaved runs")
    print(f"{'binary':<48} {'size MB':>8} {'init ms':>8} {'first response ms':>18}")
    for b, (inits, firsts) in zip(binaries, results):
        size = os.path.getsize(b) / 1e6
        print(f"{b:<48} {size:>8.2f} {statistics.median(inits):>8.2f} {statistics.median(firsts):>18.2f}")
    shutil.rmtree(staged, ignore_errors=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default="target/release")
    ap.add_argument("--runs", type=int, default=25)
    ap.add_argument("--compare", nargs="+", metavar=("FUNCTION", "BINARY"))
    args = ap.parse_args()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
           "AWS_LAMBDA_FUNCTION_NAME": "f",
           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
           "AWS_LAMBDA_LOG_STREAM_NAME": "s", "AWS_LAMBDA_LOG_GROUP_NAME": "g",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "PUBLIC_BASE_URL": "https://abc123.execute-api.us-east-1.amazonaws.com",
           "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000", "TWILIO_AUTH_TOKEN": "cold-start-token",
           "TWILIO_FROM_NUMBER": "+61200000000", "ELEVENLABS_API_KEY": "k",
           "TABLE_NAME": "t", "DIAL_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
           "DIAL_QUEUE_ARN": "arn:aws:sqs:us-east-1:123456789012:q", "AUDIO_BUCKET": "b",
           "SCHEDULE_GROUP": "g", "EVENT_BUS_NAME": "b", "RUST_LOG": "error"}
    if args.compare:
        if len(args.compare) < 3 or args.compare[0] not in FUNCTIONS:
            sys.exit("--compare FUNCTION BINARY BINARY...")
        return compare(args.compare[0], args.compare[1:], args.runs, env)
    names = ["hello-lambda"] + FUNCTIONS
    for n in names:
        if not os.access(os.path.join(args.bin_dir, n), os.X_OK):
            sys.exit(f"missing {args.bin_dir}/{n}: build with `cargo build --release --bins`")
    # Every binary is copied into one fresh directory first, so that all of them sit in the page
    # cache the same way (a linker writes its output through mmap, `cp` with large writes; the
    # kernel then maps them in different chunk sizes, which alone moved the larger binaries'
    # start by ~1 ms). Lambda unpacks the bundle itself; the copies put every binary on equal
    # footing with hello-world.
    staged = tempfile.mkdtemp(prefix="cold-start-")
    for n in names:
        shutil.copy2(os.path.join(args.bin_dir, n), os.path.join(staged, n))
    results = {n: ([], []) for n in names}
    for _ in range(args.runs):
        for n in names:  # interleaved
            init, first, _err = measure(os.path.join(staged, n), FIRST_EVENT[n], env)
            results[n][0].append(init)
            results[n][1].append(first)
    base_init = statistics.median(results["hello-lambda"][0])
    base_first = statistics.median(results["hello-lambda"][1])
    print(f"cold start, median of {args.runs} interleaved runs ({args.bin_dir})")
    print(f"{'binary':<18} {'size MB':>8} {'init ms':>8} {'x hello':>8} {'first response ms':>18} {'x hello':>8}")
    worst = 0.0
    for n in names:
        init = statistics.median(results[n][0]); first = statistics.median(results[n][1])
        size = os.path.getsize(os.path.join(args.bin_dir, n)) / 1e6
        worst = max(worst, first / base_first) if n != "hello-lambda" else worst
        print(f"{n:<18} {size:>8.1f} {init:>8.2f} {init / base_init:>8.2f} {first:>18.2f} {first / base_first:>8.2f}")
    print(f"worst function / hello-world (first response): {worst:.2f} (target <= 1.5)")
    shutil.rmtree(staged, ignore_errors=True)

if __name__ == "__main__":
    main()
