-- Returns audio: a table with MCP content blocks is sent as they are (conformance scenario tools-call-audio).
local silent_wav = "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA"
return { content = { { type = "audio", data = silent_wav, mimeType = "audio/wav" } } }
