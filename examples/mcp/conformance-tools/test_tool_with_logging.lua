-- Logs as it works: each printed line is an info log message (conformance scenario tools-call-with-logging).
print("Tool execution started")
print("Tool processing data")
print("Tool execution completed")
return "logged three messages"
