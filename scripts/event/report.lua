-- event/report.lua - report.html, in Dutch, for a person to read and print:
-- the event, the go/no-go decision and the rule applied, the
-- registrations (counts, waitlist, promotions, duplicates and late ones),
-- the programme, attendance and evaluation, and the meetings series.
-- The house style of the tender report: plain HTML with a printable page.

local L = require "event.lib"
local R = L.rules

local H = regie.html

local CSS = [[
body { font-family: sans-serif; font-size: 11pt; margin: 2em; color: #000; }
h1 { font-size: 18pt; } h2 { font-size: 14pt; margin-top: 1.5em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; }
thead { display: table-header-group; }
.flag { color: #a00000; font-weight: bold; }
.state { border: 2px solid #000; padding: 0.5em; }
@media print { body { margin: 1cm; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } }
]]

-- above this many registrations the report lists only the exceptions
-- (waitlist, promotions, duplicates, late); participants.csv has them all
local LIST_ALL_MAX = 500

local function comma(s)
  return (tostring(s):gsub("%.", ","))
end

return {
  summary = "report.html",
  params = {},
  run = function(step)
    local cfg = L.config()
    local e = cfg.event
    local people = regie.input("participants")
    local decision = regie.input("decision")
    local fig = {}
    for _, r in ipairs(regie.input("figures")) do
      fig[r.measure] = r.value
    end
    local t, n = {}, 0
    local function add(...)
      for i = 1, select("#", ...) do
        n = n + 1
        t[n] = select(i, ...)
      end
      n = n + 1
      t[n] = "\n"
    end
    local function kv(k, v)
      add("<tr><th>", H(k), "</th><td>", H(v), "</td></tr>")
    end

    add("<!DOCTYPE html>")
    add('<html lang="nl">')
    add("<head>")
    add('<meta charset="utf-8">')
    add("<title>", H("Evenementrapport " .. e.title), "</title>")
    add("<style>", CSS, "</style>")
    add("</head>")
    add("<body>")
    add("<h1>", H("Evenementrapport: " .. e.title), "</h1>")
    local go = decision == "GO"
    add('<p class="state">', H(string.format(
      "Besluit: %s. Bij het sluiten van de aanmelding (%s, 23:59) waren %s deelnemers bevestigd; "
      .. "het minimum is %d.", go and "het evenement gaat door (GO)" or "het evenement gaat niet door (NO-GO)",
      L.date_nl_long(cfg.deadline), fig.confirmed_at_deadline, e.min_participants)), "</p>")

    add("<h2>Evenement</h2>")
    add("<table>")
    kv("Kenmerk", e.id)
    kv("Titel", e.title)
    local days = {}
    for i, d in ipairs(cfg.days) do
      days[i] = L.date_nl_long(d)
    end
    kv(#days > 1 and "Dagen" or "Datum", table.concat(days, ", "))
    kv("Tijd", cfg.start:sub(12, 16) .. "–" .. cfg["end"]:sub(12, 16))
    local place = {}
    for _, v in ipairs({ L.text(e.venue), L.text(e.address) }) do
      if v ~= "" then
        place[#place + 1] = v
      end
    end
    if #place > 0 then
      kv("Locatie", table.concat(place, ", "))
    end
    kv("Organisator", cfg.organizer_name .. " <" .. cfg.organizer .. ">")
    kv("Capaciteit", tostring(e.capacity))
    kv("Minimum aantal deelnemers", tostring(e.min_participants))
    if e.max_per_org > 0 then
      kv("Maximum per organisatie", tostring(e.max_per_org))
    end
    kv("Sluiting aanmelding", string.format("%s, 23:59 (%s)", L.date_nl_long(cfg.deadline),
                                            L.trim(e.registration_close)))
    kv("Vrijgekomen plaatsen naar de wachtlijst tot en met",
       L.date_nl_long(cfg.promote_until or cfg.deadline))
    add("</table>")

    add("<h2>Besluit</h2>")
    add("<p>Regel: het evenement gaat door wanneer het aantal bevestigde aanmeldingen om 23:59 op de dag "
        .. "van sluiting minstens het minimum is. Aanmeldingen daarna tellen niet mee.</p>")
    add("<table>")
    kv("Bevestigd bij sluiting", fig.confirmed_at_deadline)
    kv("Minimum", tostring(e.min_participants))
    kv("Besluit", go and "GO: gaat door" or "NO-GO: gaat niet door")
    add("</table>")
    if not go then
      add("<p>Alle bevestigde deelnemers en de wachtlijst krijgen een brief dat het evenement niet doorgaat; "
          .. "de agenda-afspraken worden geannuleerd met cancel.ics.</p>")
    end

    add("<h2>Aanmeldingen</h2>")
    add("<table><thead><tr><th>Status</th><th class=\"n\">Aantal</th></tr></thead><tbody>")
    for _, s in ipairs(R.statuses) do
      add("<tr><td>", H(R.STATUS_NL[s]), '</td><td class="n">', H(fig[s]), "</td></tr>")
    end
    add("</tbody></table>")
    local function table_of(title, list, with_extra)
      if #list == 0 then
        return
      end
      add("<h3>", H(title), "</h3>")
      add("<table><thead><tr><th>Aanmelding</th><th>Naam</th><th>Organisatie</th><th>Aangemeld</th><th>",
          H(with_extra[1]), "</th></tr></thead><tbody>")
      for _, p in ipairs(list) do
        add("<tr><td>", H(p.reg_id), "</td><td>", H(p.name), "</td><td>", H(p.organisation), "</td><td>",
            H(L.datetime_nl(p.registered_at)), "</td><td>", H(with_extra[2](p)), "</td></tr>")
      end
      add("</tbody></table>")
    end
    local waiting, promoted, other = {}, {}, {}
    for _, p in ipairs(people) do
      if p.status == "waitlisted" then
        waiting[#waiting + 1] = p
      elseif p.promoted then
        promoted[#promoted + 1] = p
      elseif p.status == "duplicate" or p.status == "late" then
        other[#other + 1] = p
      end
    end
    table.sort(waiting, function(a, b) return a.waitlist_position < b.waitlist_position end)
    table_of("Wachtlijst", waiting, { "Plaats", function(p) return tostring(p.waitlist_position) end })
    table_of("Van de wachtlijst geplaatst", promoted, { "Geplaatst op", function(p)
      return L.datetime_nl(p.promoted_at)
    end })
    table_of("Dubbele en te late aanmeldingen", other, { "Status", function(p) return R.STATUS_NL[p.status] end })
    if #people <= LIST_ALL_MAX then
      table_of("Alle aanmeldingen", people, { "Status", function(p)
        local s = R.STATUS_NL[p.status]
        if p.waitlist_position and not L.is_null(p.waitlist_position) then
          s = s .. " (plaats " .. p.waitlist_position .. ")"
        end
        return s
      end })
    else
      add("<p>", H(string.format("%d aanmeldingen: de volledige lijst staat in participants.csv.", #people)), "</p>")
    end

    if regie.has_input("schedule") then
      add("<h2>Programma</h2>")
      local rows = L.programme()
      add("<table><thead><tr><th>Blok</th><th>Tijd</th><th>Zaal</th><th>Sessie</th><th>Sprekers</th>"
          .. '<th class="n">Verwacht</th></tr></thead><tbody>')
      for _, a in ipairs(rows) do
        local s, slot = a.session, a.slot
        add("<tr><td>", H(a.slot_id), "</td><td>", H(L.datetime_nl(L.stamp(slot.start)) .. "–"
            .. L.stamp(slot["end"]):sub(12, 16)), "</td><td>", H(a.room_id), "</td><td>",
            H(a.session_id .. " " .. s.title), "</td><td>", H((L.text(s.speakers):gsub(";", ", "))),
            '</td><td class="n">', H(tostring(s.expected)), "</td></tr>")
      end
      add("</tbody></table>")
    end

    if fig.attended or fig.evaluations then
      add("<h2>Opkomst en evaluatie</h2>")
      add("<table>")
      if fig.attended then
        kv("Aanwezig", string.format("%s van %s bevestigde deelnemers", fig.attended, fig.confirmed))
        if fig.attendance_pct then
          kv("Opkomst", comma(fig.attendance_pct) .. "%")
          kv("Niet verschenen (no-show)", comma(fig.no_show_pct) .. "%")
        end
      end
      if fig.evaluations then
        kv("Evaluaties", fig.evaluations)
        local good = fig["evaluation_" .. R.good_score .. "plus_pct"]
        if fig.evaluation_mean then
          kv("Gemiddeld cijfer (1–10)", comma(fig.evaluation_mean))
          kv(string.format("Cijfer %d of hoger", R.good_score), comma(good) .. "%")
        end
      end
      add("</table>")
    end

    local years = {}
    for k in pairs(fig) do
      local y = k:match("^meetings_(%d%d%d%d)$")
      if y then
        years[#years + 1] = y
      end
    end
    if #years > 0 then
      table.sort(years)
      add("<h2>Kennisbijeenkomsten</h2>")
      add("<p>Een bijeenkomst telt mee wanneer die is gehouden en er een verslag van is.</p>")
      add('<table><thead><tr><th>Jaar</th><th class="n">Gehouden</th><th class="n">Met verslag</th>'
          .. '<th class="n">Doel</th><th>Gehaald</th></tr></thead><tbody>')
      for _, y in ipairs(years) do
        local met = fig["meetings_" .. y .. "_met"] == "yes"
        add("<tr><td>", y, '</td><td class="n">', H(fig["meetings_" .. y .. "_held"]), '</td><td class="n">',
            H(fig["meetings_" .. y]), '</td><td class="n">', H(fig["meetings_" .. y .. "_target"]), "</td><td",
            met and ">ja" or ' class="flag">nee', "</td></tr>")
      end
      add("</tbody></table>")
    end
    add("</body>")
    add("</html>")
    regie.write("report.html", t)
  end,
}
