"""Makes one real `openai` chat completion and one embedding call, instrumented by
OpenInference (`openinference-instrumentation-openai`) or OpenLLMetry
(`opentelemetry-instrumentation-openai`), against a local stand-in for the OpenAI
API, and exports the spans over OTLP. Prints the trace id (32 hex digits).

Usage: python instrumented_openai.py openinference|openllmetry grpc|http ENDPOINT
Exits 1 if the exporter reports a failure.

The stand-in answers like the OpenAI API: a chat completion of model
gpt-4o-mini-2024-07-18 using 1200 prompt tokens (200 of them cached) and 300
completion tokens; an embedding of model text-embedding-3-small using 8 tokens.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import checked_export

dialect, protocol, endpoint = sys.argv[1], sys.argv[2], sys.argv[3]

CHAT = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1764300000,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Parcel 42 is in Lyon."},
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 1200,
        "completion_tokens": 300,
        "total_tokens": 1500,
        "prompt_tokens_details": {"cached_tokens": 200},
    },
}
EMBEDDING = {
    "object": "list",
    "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5]}],
    "model": "text-embedding-3-small",
    "usage": {"prompt_tokens": 8, "total_tokens": 8},
}


class OpenAiStandIn(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        answer = EMBEDDING if self.path.endswith("/embeddings") else CHAT
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


provider, exporter = checked_export.provider(protocol, endpoint, f"{dialect}-{protocol}")

if dialect == "openinference":
    from openinference.instrumentation.openai import OpenAIInstrumentor
else:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor
OpenAIInstrumentor().instrument(tracer_provider=provider)

server = HTTPServer(("127.0.0.1", 0), OpenAiStandIn)
threading.Thread(target=server.serve_forever, daemon=True).start()

import openai  # noqa: E402  (after instrumenting, as applications do)

client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="sk-test")
tracer = provider.get_tracer("instrumented_openai")
with tracer.start_as_current_span("answer question") as root:
    client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Where is parcel 42?"}]
    )
    client.embeddings.create(model="text-embedding-3-small", input="parcel 42")
    trace_id = root.get_span_context().trace_id

provider.shutdown()
server.shutdown()
print(format(trace_id, "032x"))
sys.exit(1 if exporter.failed else 0)
