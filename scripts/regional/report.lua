-- regional/report.lua - report.html (in Dutch) for national
-- accountability: the signals first, then the on-time share per quarter
-- of every region as small multiples (inline SVG), then a table per
-- region with its figures and its hours of support per expertise and per
-- milestone.

local L = require "regional.lib"
local C = require "regional.chart"
local R = L.rules

local html = regie.html

local function nl(v)
  return (tostring(v):gsub("%.", ","))
end

return {
  summary = "report.html: signals, a table per region, on-time share per quarter",
  params = {},
  run = function(step)
    local cfg = L.config()
    local label = {}
    for _, s in ipairs(R.signals) do
      label[s.id] = s.label
    end

    local f = regie.file("report.html")
    local function w(...)
      f:write(...)
    end
    local title = "Voortgang regionale afspraken " .. cfg.quarter
    w("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<title>", html(title),
      "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}",
      "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}",
      ".signaal{color:#b00}</style>\n</head>\n<body>\n")
    w("<h1>", html(title), "</h1>\n<p>Stand op ", html(L.date_nl(cfg.last)), " (einde van het kwartaal); ",
      "gereed op tijd tot ", cfg.tolerance, " werkdagen na de uiterste datum; zonder voortgangsbericht in ",
      cfg.stale, " werkdagen telt een mijlpaal als risico.</p>\n")

    -- the change of each region's share, for its fall signal
    local trend_of = {}
    for _, region, trend in regie.each("regions", { "region", "trend" }) do
      trend_of[region] = trend
    end

    w("<h2>Signalen</h2>\n")
    local any = false
    for _, region, id, signal, since in regie.each("signals", { "region", "milestone_id", "signal", "since" }) do
      if not any then
        w("<table>\n<tr><th>Regio</th><th>Mijlpaal</th><th>Signaal</th><th>Sinds</th></tr>\n")
        any = true
      end
      w('<tr class="signaal"><td>', html(region), "</td><td>", html(id), "</td><td>",
        html(label[signal] or signal), signal == "fall" and html(" (" .. nl(trend_of[region] or "") .. " procentpunt)")
        or "", "</td><td>", html(L.date_nl(since)), "</td></tr>\n")
    end
    w(any and "</table>\n" or "<p>Geen signalen.</p>\n")

    -- the chart: each region's share per quarter
    local panels, by_region = {}, {}
    for _, region, quarter, due, done, pct in regie.each("history", { "region", "quarter", "due", "done_on_time",
                                                                      "on_time_pct" }) do
      local p = by_region[region]
      if not p then
        p = { region = region, quarters = {} }
        by_region[region] = p
        panels[#panels + 1] = p
      end
      p.quarters[#p.quarters + 1] = { quarter = quarter, due = due, done_on_time = done, pct = pct }
    end
    w("<h2>Aandeel op tijd per kwartaal</h2>\n<p>Mijlpalen met een uiterste datum in het kwartaal die op tijd ",
      "gereed waren, elk kwartaal bepaald op de stand aan het eind ervan.</p>\n")
    w(C.render(panels, "Op tijd gereed per kwartaal"))

    -- support per region: per expertise and per milestone
    local support = {}
    for _, region, expertise, id, hours in regie.each("support", { "region", "expertise", "milestone_id",
                                                                   "hours" }) do
      local s = support[region]
      if not s then
        s = { expertise = {}, elist = {}, milestone = {}, mlist = {} }
        support[region] = s
      end
      local h = L.hundredths(hours)
      if not s.expertise[expertise] then
        s.expertise[expertise] = 0
        s.elist[#s.elist + 1] = expertise
      end
      s.expertise[expertise] = s.expertise[expertise] + h
      if not s.milestone[id] then
        s.milestone[id] = 0
        s.mlist[#s.mlist + 1] = id
      end
      s.milestone[id] = s.milestone[id] + h
    end

    w("<h2>Per regio</h2>\n")
    local compared = L.use_previous(cfg) and "vorige rapportage" or "vorig kwartaal"
    for _, region, due, done, late, risk, pct, hours, trend, was in
      regie.each("regions", { "region", "due", "done_on_time", "late", "at_risk", "on_time_pct", "support_hours",
                              "trend", "previous" }) do
      w("<h3>", html(region), "</h3>\n<table>\n")
      local rows = {
        { "Mijlpalen met uiterste datum in het kwartaal", due },
        { "Op tijd gereed", done },
        { "Te laat", late },
        { "Risico", risk },
        { "Aandeel op tijd", pct ~= "" and nl(pct) .. "%" or "" },
        { "Aandeel op tijd " .. compared, was ~= "" and nl(was) .. "%" or "" },
        { "Verschil (procentpunten)", nl(trend) },
        { "Uren ondersteuning", nl(hours) },
      }
      for _, row in ipairs(rows) do
        w("<tr><th>", html(row[1]), "</th><td>", html(tostring(row[2])), "</td></tr>\n")
      end
      w("</table>\n")
      local s = support[region]
      if s then
        w("<table>\n<tr><th>Expertise</th><th>Uren</th></tr>\n")
        for _, e in ipairs(s.elist) do
          w("<tr><td>", html(e), "</td><td>", html(nl(L.ratio(s.expertise[e], 100, 2))), "</td></tr>\n")
        end
        w("</table>\n<table>\n<tr><th>Mijlpaal</th><th>Uren</th></tr>\n")
        table.sort(s.mlist)
        for _, id in ipairs(s.mlist) do
          w("<tr><td>", html(id ~= "" and id or "(algemeen)"), "</td><td>",
            html(nl(L.ratio(s.milestone[id], 100, 2))), "</td></tr>\n")
        end
        w("</table>\n")
      end
    end
    w("</body>\n</html>\n")
    f:close()
  end,
}
