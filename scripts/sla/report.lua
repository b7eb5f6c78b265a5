-- sla/report.lua - report.html (in Dutch): the measures against their
-- targets, the on-time share per week as an inline SVG chart, the backlog
-- by age, every breach, and the FAQ candidates.

local L = require "sla.lib"
local C = require "sla.chart"
local R = L.rules

local html = regie.html

return {
  summary = "report.html: measures, on-time share per week, backlog by age, breaches",
  params = {},
  run = function(step)
    local cfg = L.config()
    -- weeks, backlog and breaches from the classified requests
    local weeks, week_list = {}, {}
    local buckets = {}
    for i = 1, #R.backlog_buckets do
      buckets[i] = 0
    end
    local breaches = {}
    for _, id, received, due, result, week, age, assignee, topic in
      regie.each("classified", { "req_id", "received", "due", "result", "week", "age", "assignee", "topic" }) do
      if result ~= "pending" then
        local w = weeks[week]
        if not w then
          w = { week = week, on_time = 0, counted = 0 }
          weeks[week] = w
          week_list[#week_list + 1] = w
        end
        w.counted = w.counted + 1
        if result == "on_time" then
          w.on_time = w.on_time + 1
        end
      end
      if result == "pending" or result == "breach" then
        local b = #R.backlog_buckets
        for k, bucket in ipairs(R.backlog_buckets) do
          if bucket.max and age <= bucket.max then
            b = k
            break
          end
        end
        buckets[b] = buckets[b] + 1
      end
      if result == "breach" then
        breaches[#breaches + 1] = { id, received, due, age, assignee, topic }
      end
    end
    table.sort(week_list, function(a, b) return a.week < b.week end)
    table.sort(breaches, function(a, b)
      if a[3] ~= b[3] then
        return a[3] < b[3]
      end
      return a[1] < b[1]
    end)

    local f = regie.file("report.html")
    local function w(...)
      f:write(...)
    end
    local title = "Servicenormen vragen en verzoeken"
    w("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<title>", html(title),
      "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}",
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}",
      ".nee{color:#b00}.ja{color:#070}</style>\n</head>\n<body>\n")
    w("<h1>", html(title), "</h1>\n<p>Peildatum ", html(L.date_nl(cfg.report_date)), "; antwoordtermijn ",
      cfg.workdays, " werkdagen na binnenkomst",
      cfg.cutoff and (", binnengekomen na " .. html(cfg.cutoff_time) .. " telt vanaf de volgende dag") or "",
      ".</p>\n")

    local compared = L.use_previous(cfg)
    w("<h2>Normen</h2>\n<table>\n<tr><th>Maatstaf</th><th>Waarde</th><th>Norm</th><th>Gehaald</th>",
      compared and "<th>Vorige keer</th><th>Verschil</th>" or "", "</tr>\n")
    for _, measure, value, target, met, label, was, change in
      regie.each("measures", { "measure", "value", "target", "met", "label", "previous", "change" }) do
      local pct = measure:match("_pct$") and value ~= "" and "%" or ""
      local m = met == "yes" and '<td class="ja">ja</td>' or met == "no" and '<td class="nee">nee</td>'
                or "<td></td>"
      w("<tr><td>", html(label), "</td><td>", html(value:gsub("%.", ",") .. pct), "</td><td>",
        target ~= "" and html(target .. "%") or "", "</td>", m)
      if compared then
        w("<td>", html((was:gsub("%.", ","))), "</td><td>", html((change:gsub("%.", ","))), "</td>")
      end
      w("</tr>\n")
    end
    w("</table>\n")

    w("<h2>Op tijd per week</h2>\n<p>Aandeel op tijd beantwoord per week van de uiterste datum ",
      "(verzoeken die nog lopen tellen niet mee).</p>\n")
    w(C.render(week_list, cfg.target_pct, "Op tijd beantwoord per week"))

    w("<h2>Achterstand naar leeftijd</h2>\n<p>Verzoeken zonder eerste reactie op de peildatum.</p>\n",
      "<table>\n<tr><th>Leeftijd</th><th>Aantal</th></tr>\n")
    for k, bucket in ipairs(R.backlog_buckets) do
      w("<tr><td>", html(bucket.label), "</td><td>", buckets[k], "</td></tr>\n")
    end
    w("</table>\n")

    w("<h2>Overschrijdingen</h2>\n")
    if #breaches == 0 then
      w("<p>Geen verzoek over de termijn zonder reactie.</p>\n")
    else
      w("<table>\n<tr><th>Verzoek</th><th>Binnengekomen</th><th>Uiterlijk</th><th>Dagen open</th>",
        "<th>Behandelaar</th><th>Onderwerp</th></tr>\n")
      for _, b in ipairs(breaches) do
        w("<tr><td>", html(b[1]), "</td><td>", html(L.date_nl(b[2])), "</td><td>", html(L.date_nl(b[3])),
          "</td><td>", b[4], "</td><td>", html(b[5]), "</td><td>", html(b[6]), "</td></tr>\n")
      end
      w("</table>\n")
    end

    w("<h2>Kandidaten voor een FAQ</h2>\n<p>Onderwerpen met ten minste ", R.faq_min_questions,
      " vragen in de ", R.faq_window_days, " dagen voor de peildatum waarvoor nog geen FAQ bestaat.</p>\n")
    local any = false
    for _, topic, n, first, last in regie.each("faq_candidates", { "topic", "questions", "first", "last" }) do
      if not any then
        w("<table>\n<tr><th>Onderwerp</th><th>Vragen</th><th>Eerste</th><th>Laatste</th></tr>\n")
        any = true
      end
      w("<tr><td>", html(topic), "</td><td>", n, "</td><td>", html(L.date_nl(first)), "</td><td>",
        html(L.date_nl(last)), "</td></tr>\n")
    end
    w(any and "</table>\n" or "<p>Geen.</p>\n")
    w("</body>\n</html>\n")
    f:close()
  end,
}
