# The two set-up commands are `make demo` and `make test` (README).
MOTO_PORT ?= 5055
export AWS_ENDPOINT_URL ?= http://127.0.0.1:$(MOTO_PORT)

.PHONY: soak demo test run aws-up aws-down lint fmt build build-cargo lint-template transform iam deploy-check contract bench cold-start load budgets

## Play a 4-staff campaign on the local AWS with the simulated Twilio and print its timeline.
demo: transform
	@MOTO_PORT=$(MOTO_PORT) scripts/local-aws.sh start
	@cargo run -q -p local-runtime --bin demo; status=$$?; MOTO_PORT=$(MOTO_PORT) scripts/local-aws.sh stop; exit $$status

## Every test, with a local AWS of its own.
test:
	@scripts/test.sh

## The local runtime on LOCAL_PORT (default 3000) with the simulated Twilio; Ctrl-C stops it.
run: aws-up transform
	cargo run -p local-runtime

aws-up:
	@MOTO_PORT=$(MOTO_PORT) scripts/local-aws.sh start

aws-down:
	@MOTO_PORT=$(MOTO_PORT) scripts/local-aws.sh stop

lint:
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## Release arm64 builds of every function with `sam build` (cargo-lambda), timed, with bootstrap sizes.
build:
	@scripts/build.sh sam

## The same with `cargo lambda build --release --arm64` (target/lambda/<function>/bootstrap).
build-cargo:
	@scripts/build.sh cargo

## AWS's SAM transform, cfn-lint and sam validate on template.yaml.
lint-template:
	@scripts/lint-template.sh

## The transformed template the local runtime is built from (.local/template.transformed.json).
transform:
	@scripts/lint-template.sh --transform-only

## Every AWS request of the end-to-end tests against each function's role (IAM simulator).
iam:
	@scripts/iam.sh run

contract:
	@scripts/contract.sh

## Each dial-queue task's and each function's worst case, computed from its steps, against its limit.
budgets: transform
	@cargo test -q -p e2e --test budgets every_task_and_handler_fits_its_functions_limit -- --nocapture

## Measurements (docs/PERFORMANCE.md).
bench:
	cargo bench -p callout-core --bench core

cold-start:
	cargo build --release --bins
	scripts/cold-start.py --bin-dir target/release

## DynamoDB gets a local AWS of its own (port MOTO_PORT+1): one moto process is one core.
DYNAMODB_PORT := $(shell echo $$(($(MOTO_PORT) + 1)))
load: aws-up
	@MOTO_PORT=$(DYNAMODB_PORT) scripts/local-aws.sh start
	AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$(DYNAMODB_PORT) cargo run --release -p perf --bin load -- 1000 50; \
	  status=$$?; MOTO_PORT=$(DYNAMODB_PORT) scripts/local-aws.sh stop; exit $$status

## The long chaos soak (docs/RELIABILITY.md): SOAK_CAMPAIGNS, SOAK_RESTARTS, SOAK_MINUTES; SOAK_SEED replays a run.
SOAK_CAMPAIGNS ?= 500
SOAK_RESTARTS ?= 5
SOAK_MINUTES ?= 25
SOAK_MOTO_PORT := $(shell echo $$(($(MOTO_PORT) + 5)))
soak:
	@MOTO_PORT=$(SOAK_MOTO_PORT) scripts/local-aws.sh start
	@AWS_ENDPOINT_URL=http://127.0.0.1:$(SOAK_MOTO_PORT) RUST_LOG=$${RUST_LOG:-error} SOAK_CAMPAIGNS=$(SOAK_CAMPAIGNS) SOAK_RESTARTS=$(SOAK_RESTARTS) SOAK_MINUTES=$(SOAK_MINUTES) \
	  cargo test -q -p e2e --test soak -- --ignored --nocapture the_long_soak; \
	  status=$$?; MOTO_PORT=$(SOAK_MOTO_PORT) scripts/local-aws.sh stop; exit $$status
