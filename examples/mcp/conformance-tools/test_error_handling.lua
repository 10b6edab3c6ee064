-- Fails on purpose: a script error is an isError result (conformance scenario tools-call-error).
error("This tool intentionally returns an error for testing")
