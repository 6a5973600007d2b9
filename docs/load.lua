-- wrk script for a bounded load run over public pages and a download:
--   wrk -t4 -c16 -d20s -s docs/load.lua http://127.0.0.1:8000
-- wrk counts every 4xx/5xx answer and every socket error in the last line.
local paths = {
  "/nn/",
  "/nb/",
  "/en/",
  "/nn/programmes/",
  "/nn/programmes/framtidstru-og-vekst-i-hallingdal/",
  "/nn/programmes/framtidstru-og-vekst-i-hallingdal/phases/1/",
  "/nn/funding/",
  "/nn/municipalities/",
  "/nn/documents/",
  "/nn/documents/prosjektplan-framtidstru-og-vekst-i-hallingdal/",
  "/nn/documents/prosjektplan-framtidstru-og-vekst-i-hallingdal/download/",
  "/healthz",
}
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("requests: %d, errors (4xx/5xx or socket): %d\n",
    summary.requests,
    errors.status + errors.connect + errors.read + errors.write + errors.timeout))
  io.write(string.format("latency p50: %.1f ms, p99: %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
