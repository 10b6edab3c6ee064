-- Reports progress: each printed line is a progress notification (conformance scenario tools-call-with-progress).
for _, done in ipairs({ 0, 50, 100 }) do print(done .. "/100") end
return "progress reported"
