"""The local AWS: moto's server, with DynamoDB's item operations made atomic.

DynamoDB applies a conditional write atomically: the condition and the write happen as one
step, so of two writers with the same condition exactly one succeeds. moto's threaded server
reads the item, evaluates the condition and writes it back without a lock, so under real
concurrency two conditional writes can both succeed. This product's whole promise (one person
per shift) rests on that atomicity, so the tests run moto with every DynamoDB operation behind
one lock, as DynamoDB behaves. Everything else is moto as published (without its access log).

    python scripts/moto_server.py -H 127.0.0.1 -p 5055
"""
import functools
import threading

from moto.dynamodb.models import DynamoDBBackend

_LOCK = threading.RLock()
_OPERATIONS = (
    "put_item", "update_item", "delete_item", "get_item", "query", "scan",
    "batch_get_item", "batch_write_item", "transact_write_items", "transact_get_items",
)


def _atomic(operation):
    @functools.wraps(operation)
    def run(self, *args, **kwargs):
        with _LOCK:
            return operation(self, *args, **kwargs)
    return run


for name in _OPERATIONS:
    if hasattr(DynamoDBBackend, name):
        setattr(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name)))

# moto answers a query on one partition key by listing and sorting every item of the table, then
# keeping that partition's: a pacing query on a table of thousands of shifts and calls took
# milliseconds of the one DynamoDB lock. The same query over the partition's own items (results
# are still sorted and filtered by moto's query). Queries on an index are left as published.
import inspect

from moto.dynamodb.models.table import Table

_table_query = Table.query
_QUERY_ARGS = inspect.signature(_table_query)


def _query_one_partition(self, *args, **kwargs):
    arguments = _QUERY_ARGS.bind(self, *args, **kwargs).arguments
    hash_key = arguments.get("hash_key")
    if arguments.get("index_name") or hash_key is None or not self.range_key_attr:
        return _table_query(self, *args, **kwargs)
    partition = list(self.items.get(hash_key, {}).values())
    self.all_items = lambda: partition  # under the DynamoDB lock above: no other query sees it
    try:
        return _table_query(self, *args, **kwargs)
    finally:
        del self.all_items


Table.query = _query_one_partition

# moto checks each message's retention by building all of the queue's attributes, three of which
# count every message: receiving from a queue of n messages took n² steps, and a backlog of a
# thousand dial tasks stalled the receiver. The same check, reading the one attribute it needs.
from moto.core.utils import unix_time
from moto.sqs.models import SQSBackend


def _within_retention(self, queue_name, message):
    retention = int(self.get_queue(queue_name).message_retention_period)
    return message.sent_timestamp / 1000 + retention > unix_time()


SQSBackend.is_message_valid_based_on_retention_period = _within_retention

# Sending builds the queue's attributes too (to read ContentBasedDeduplication, which only FIFO
# queues have), counting every message each time. While a standard queue is being sent to, in
# that thread, its attributes are read without the counts they never need.
import threading

from moto.sqs.models import Queue

_SENDING = threading.local()
_queue_attributes = Queue.attributes.fget
_send_message = SQSBackend.send_message


def _attributes(self):
    if getattr(_SENDING, "active", False) and not self.fifo_queue:
        return {}
    return _queue_attributes(self)


def _send(self, *args, **kwargs):
    _SENDING.active = True
    try:
        return _send_message(self, *args, **kwargs)
    finally:
        _SENDING.active = False


Queue.attributes = property(_attributes)
SQSBackend.send_message = _send

if __name__ == "__main__":
    import logging
    from moto.server import main

    # One log line per request costs moto a fifth of its time under load; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    main()
