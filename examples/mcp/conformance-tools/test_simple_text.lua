-- Returns a simple text (conformance scenario tools-call-simple-text).
return "This is a simple text response for testing."
