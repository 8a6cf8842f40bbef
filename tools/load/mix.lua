-- wrk script: cycles a mix of searches (plain words, filters, several languages and scripts,
-- paging, date order, phrases, document look-ups) and counts answers by status class in each
-- thread; done() prints the totals as `key=value` lines for run.sh.
local paths = {
  "/api/v1/search?q=telemonitoring",
  "/api/v1/search?q=DiGA+Erstattung&lang=de",
  "/api/v1/search?q=heart+failure&country=PT&country=ES",
  "/api/v1/search?q=interoperability&topic=integration",
  "/api/v1/search",
  "/api/v1/search?q=%D1%82%D0%B5%D0%BB%D0%B5%D0%BC%D0%B5%D0%B4%D0%B8%D1%86%D0%B8%D0%BD%D0%B0",
  "/api/v1/search?q=app+certification&sort=date&per_page=20",
  "/api/v1/search?q=%22mobile+health%22+-covid&page=2",
  "/api/v1/search?q=evaluaci%C3%B3n+coste+efectividad&kind=pdf",
  "/api/v1/search?q=privacy+GDPR&year=2021&year=2022",
  "/api/v1/search?q=t%C3%A9l%C3%A9surveillance&ui_lang=fr",
  "/api/v1/search?q=debian",
  "/api/v1/search?q=reimbursement*",
  "/api/v1/documents/policy/de-diga-fast-track-overview-2022.pdf",
  "/api/v1/search?q=e-health+strategy&country=EU&per_page=50",
  "/api/v1/search?q=((broken+syntax&page=3",
}

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  n2xx, n3xx, n4xx, n5xx, n429, n503 = 0, 0, 0, 0, 0, 0
  counter = tonumber(wrk.thread:get("id")) or 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status >= 500 then n5xx = n5xx + 1
  elseif status >= 400 then n4xx = n4xx + 1
  elseif status >= 300 then n3xx = n3xx + 1
  else n2xx = n2xx + 1 end
  if status == 429 then n429 = n429 + 1 end
  if status == 503 then n503 = n503 + 1 end
end

function done(summary, latency, requests)
  local t = { n2xx = 0, n3xx = 0, n4xx = 0, n5xx = 0, n429 = 0, n503 = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  io.write(string.format("requests=%d\n", summary.requests))
  io.write(string.format("seconds=%.2f\n", summary.duration / 1e6))
  io.write(string.format("rps=%.1f\n", summary.requests / (summary.duration / 1e6)))
  for _, k in ipairs({ "n2xx", "n3xx", "n4xx", "n5xx", "n429", "n503" }) do
    io.write(string.format("%s=%d\n", k, t[k]))
  end
  io.write(string.format("errors_connect=%d\nerrors_read=%d\nerrors_write=%d\nerrors_timeout=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency_p%s_ms=%.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("latency_max_ms=%.2f\n", latency.max / 1000))
end
