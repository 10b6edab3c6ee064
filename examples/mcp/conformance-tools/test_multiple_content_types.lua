-- Returns text, an image and a resource in one result (conformance scenario tools-call-mixed-content).
local red_pixel_png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
return { content = {
  { type = "text", text = "Multiple content types test:" },
  { type = "image", data = red_pixel_png, mimeType = "image/png" },
  { type = "resource", resource = { uri = "test://mixed-content-resource", mimeType = "application/json", text = JSON.stringify({ test = "data", value = 123 }) } },
} }
