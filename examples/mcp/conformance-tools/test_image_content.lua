-- Returns an image: a table with MCP content blocks is sent as they are (conformance scenario tools-call-image).
local red_pixel_png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
return { content = { { type = "image", data = red_pixel_png, mimeType = "image/png" } } }
