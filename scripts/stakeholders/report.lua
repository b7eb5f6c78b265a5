-- report.lua - report.html in Dutch: the grid inline, the classification,
-- the engagement (C/D) table, the communication plan, the comparison with a
-- previous run and the points of attention.  All text is HTML-escaped.

local lib = require "stakeholders.lib"
local R = lib.rules
local CP = require "stakeholders.contact_plan"
local h = lib.html

local CSS = [[
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;width:100%}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right}td.mark{text-align:center;font-weight:bold}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4em .8em;margin:.3em 0}
figure{margin:1em 0}svg{max-width:100%;height:auto}
.small{color:#555;font-size:.9em}
]]

local signed = lib.signed

return {
  summary = "Write report.html (Dutch)",
  params = {},
  run = function(step)
    local cfg = lib.config()
    -- the ranked stakeholders (read, never changed: regie.input)
    local rows = lib.by_priority(regie.input("ranked"))
    -- the plan of each kind of stakeholder (see plan.lua), by what the
    -- kind depends on: plan_of[quadrant][steps up][concerns]
    local plan_of = {}
    for _, p in ipairs(regie.input("plan")) do
      plan_of[p.quadrant] = plan_of[p.quadrant] or { [true] = {}, [false] = {} }
      plan_of[p.quadrant][p.steps_up][p.concerns] = p
    end
    local function plan_for(c, r)
      local q, up, concerns = CP.kind_of(c, r)
      return plan_of[q][up][concerns]
    end
    -- each stakeholder's classification, the plan of its kind and its
    -- name as HTML, worked out once for the tables below; on the way the
    -- number per quadrant and all contact moments (contacts.csv; the
    -- calendar may hold fewer: the contacts data, see calendar_max in
    -- plan.lua)
    local classes, plans, names = {}, {}, {}
    local per, moments = {}, 0
    for i, r in ipairs(rows) do
      local c = lib.class_of(r)
      local p = plan_for(c, r)
      classes[i], plans[i], names[i] = c, p, h(r.name)
      per[c.quadrant] = (per[c.quadrant] or 0) + 1
      moments = moments + p.contacts
    end
    local notes = regie.input("notes")
    local svg = regie.input("grid_svg")
    local in_calendar = regie.describe("contacts").rows
    local changes = regie.has_input("changes") and regie.input("changes") or nil

    -- report.html: a line per stakeholder in each table
    -- (written line by line as it is made: regie.file)
    local html = regie.file("report.html")
    local function add(s)
      html:write(s, "\n")
    end
    add("<!DOCTYPE html>")
    add('<html lang="nl">')
    add("<head>")
    add('<meta charset="utf-8">')
    add("<title>" .. h("Stakeholderanalyse: " .. cfg.title) .. "</title>")
    add("<style>" .. CSS .. "</style>")
    add("</head>")
    add("<body>")
    add("<h1>" .. h("Stakeholderanalyse: " .. cfg.title) .. "</h1>")
    local who = cfg.organisation ~= "" and (h(cfg.organisation) .. ". ") or ""
    add(string.format("<p>%sAnalyse <code>%s</code>: %d stakeholders, schaal %s–%s, drempel %s (de drempel telt als hoog). Planperiode %s tot %s (%d maanden), %d contactmomenten.</p>",
                      who, h(cfg.id), #rows, h(lib.num_nl(cfg.min)), h(lib.num_nl(cfg.max)),
                      h(lib.num_nl(cfg.threshold)), h(lib.date_nl(cfg.start)),
                      h(lib.date_nl(cfg["end"])), cfg.months, moments))

    -- summary per quadrant
    add("<ul>")
    for _, q in ipairs(lib.QUADRANTS) do
      add(string.format("<li>%s: %d</li>", h(R.quadrant_nl[q]), per[q] or 0))
    end
    add("</ul>")

    if #notes > 0 then
      add("<h2>Aandachtspunten</h2>")
      local by_id -- made when a note needs it
      for _, n in ipairs(notes) do
        local text
        if n.kind == "negative_gap" then
          if not by_id then
            by_id = {}
            for _, x in ipairs(rows) do
              by_id[x.id] = x
            end
          end
          local r = by_id[n.id]
          text = string.format("%s: het gewenste niveau (%s) ligt onder het huidige (%s), kloof %d. Controleer de invoer.",
                               r and r.name or n.id, R.level_nl[r and r.desired or ""] or "?",
                               R.level_nl[r and r.current or ""] or "?", r and r.gap or 0)
        else
          text = n.message
        end
        add('<p class="note">' .. h(text) .. "</p>")
      end
    end

    add("<h2>Macht-belangmatrix</h2>")
    add("<figure>")
    add(svg)
    add("<figcaption class=\"small\">Belang op de x-as, macht op de y-as; kleur = houding. Nummers = prioriteit.</figcaption>")
    add("</figure>")

    add("<h2>Classificatie en prioriteit</h2>")
    add("<p class=\"small\">Volgorde: macht × belang (aflopend), daarna aantal attributen, kloof en naam.</p>")
    add("<table>")
    add("<tr><th>Prio</th><th>Stakeholder</th><th>Macht</th><th>Belang</th><th>Kwadrant</th><th>Saillantie</th><th>Attributen</th><th>Houding</th><th>Type</th></tr>")
    -- the values that recur (scores, names of classes, dates) are escaped
    -- once: H[x] is h(x)
    local H = lib.cache(h)
    -- the scores as shown, once per distinct score
    local score_text = lib.cache(function(x) return h(lib.num_nl(x)) end)
    -- a row is written in pieces; the cells after the interest depend only
    -- on the classification and the attitude, and are made once for each
    local class_cells = {}
    for i, r in ipairs(rows) do
      local c = classes[i]
      local by_attitude = lib.sub(class_cells, c)
      local cells = by_attitude[r.attitude]
      if not cells then
        cells = string.format('%s</td><td>%s (%s)</td><td class="num">%d</td><td class="num">%s</td><td>%s</td></tr>\n',
                              H[R.quadrant_nl[c.quadrant]], H[R.salience_nl[c.salience]],
                              H[c.attribute_codes ~= "" and c.attribute_codes or "–"], c.attributes,
                              H[signed(r.attitude)], H[R.type_nl[c.type]])
        by_attitude[r.attitude] = cells
      end
      html:write('<tr><td class="num">', r.priority, '</td><td>', names[i], '</td><td class="num">',
                 score_text[r.power], '</td><td class="num">', score_text[r.interest], '</td><td>',
                 cells)
    end
    add("</table>")

    add("<h2>Betrokkenheid (huidig C, gewenst D)</h2>")
    add("<table>")
    local head = "<tr><th>Stakeholder</th>"
    for _, lv in ipairs(R.levels) do
      head = head .. "<th>" .. h(R.level_nl[lv]) .. "</th>"
    end
    add(head .. "<th>Kloof</th></tr>")
    -- the cells after the name, once per current/desired pair:
    -- marks[current][desired]
    local marks = {}
    for i, r in ipairs(rows) do
      local by_desired = lib.sub(marks, r.current)
      local rest = by_desired[r.desired]
      if not rest then
        local cells = {}
        for i, m in ipairs(lib.level_marks(r.current, r.desired)) do
          cells[i] = '<td class="mark">' .. m .. "</td>"
        end
        cells[#cells + 1] = '<td class="num">' .. h(signed(r.gap)) .. "</td></tr>\n"
        rest = table.concat(cells)
        by_desired[r.desired] = rest
      end
      html:write("<tr><td>", names[i], "</td>", rest)
    end
    add("</table>")

    add("<h2>Communicatieplan</h2>")
    add("<table>")
    add("<tr><th>Prio</th><th>Stakeholder</th><th>Doel</th><th>Kernboodschap</th><th>Kanalen</th><th>Per jaar</th><th>Eigenaar</th><th>Eerste contact</th></tr>")
    -- a row is written in pieces; the cells of the plan of a kind (goal;
    -- channels and frequency; first contact) are made once for each kind
    local plan_cells = {}
    local function cells_of(p)
      local cells = plan_cells[p]
      if not cells then
        local freq = tostring(p.frequency)
        if p.frequency ~= p.base_frequency then
          freq = freq .. " (basis " .. p.base_frequency .. ", kloof ≥ " .. R.step_up_gap .. ")"
        end
        if p.extra_meeting == "yes" then
          freq = freq .. " + extra gesprek"
        end
        local chans = h((p.channels:gsub(";", ", ")))
        local date = h(lib.weekday_nl(p.first_contact) .. " " .. lib.date_nl(p.first_contact))
        cells = {
          "</td><td>" .. H[p.goal] .. "</td><td>",
          "</td><td>" .. chans .. "</td><td>" .. H[freq] .. "</td><td>",
          "</td><td>" .. date .. "</td></tr>\n",
        }
        plan_cells[p] = cells
      end
      return cells
    end
    for i, r in ipairs(rows) do
      local cells = cells_of(plans[i])
      html:write('<tr><td class="num">', r.priority, "</td><td>", names[i], cells[1],
                 h(CP.shown(CP.message(classes[i], r))), cells[2], H[CP.shown(CP.owner(cfg, r))],
                 cells[3])
    end
    add("</table>")
    if in_calendar == moments then
      add("<p class=\"small\">Contactmomenten zijn gelijkmatig over de planperiode verdeeld; een datum op een weekend- of feestdag schuift naar de volgende werkdag. Alle data staan in <code>contacts.csv</code> en <code>contacts.ics</code>.</p>")
    else
      add(string.format("<p class=\"small\">Contactmomenten zijn gelijkmatig over de planperiode verdeeld; een datum op een weekend- of feestdag schuift naar de volgende werkdag. Alle data staan in <code>contacts.csv</code>; de agenda <code>contacts.ics</code> bevat er %d, die van de stakeholders met de hoogste prioriteit.</p>",
                        in_calendar))
    end

    if changes then
      add("<h2>Vergelijking met de vorige analyse</h2>")
      local moved = {}
      for _, c in ipairs(changes) do
        if c.change ~= "unchanged" then
          moved[#moved + 1] = c
        end
      end
      if #moved == 0 then
        add("<p>Geen verschuivingen: alle stakeholders staan in hetzelfde kwadrant en dezelfde klasse.</p>")
      else
        add("<table>")
        add("<tr><th>Stakeholder</th><th>Wijziging</th><th>Kwadrant</th><th>Saillantie</th><th>Type</th></tr>")
        local change_nl = { new = "nieuw", removed = "vervallen" }
        local function arrow(a, b, names)
          local na = not lib.is_null(a) and a ~= "" and (names[a] or a) or "–"
          local nb = not lib.is_null(b) and b ~= "" and (names[b] or b) or "–"
          if na == nb then
            return h(nb)
          end
          return h(na) .. " → " .. h(nb)
        end
        for _, c in ipairs(moved) do
          add(string.format("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                            h(c.name), h(change_nl[c.change] or "verschoven"),
                            arrow(c.previous_quadrant, c.quadrant, R.quadrant_nl),
                            arrow(c.previous_salience, c.salience, R.salience_nl),
                            arrow(c.previous_type, c.type, R.type_nl)))
        end
        add("</table>")
      end
    end

    add("<h2>Begrippen</h2>")
    add("<ul class=\"small\">")
    add("<li>Kwadranten (Mendelow): nauw betrekken (veel macht, veel belang), tevreden houden (veel macht, weinig belang), geïnformeerd houden (weinig macht, veel belang), monitoren.</li>")
    add("<li>Saillantie (Mitchell, Agle &amp; Wood): macht (P), legitimiteit (L) en urgentie (U); één attribuut = latent, twee = verwachtend, drie = definitief.</li>")
    add("<li>Typen (Murray-Webster &amp; Simon): macht, belang en houding; houding 0 = onbepaald: zoek uit hoe de stakeholder erin staat.</li>")
    add("</ul>")
    add("</body>")
    add("</html>")
    html:close()
  end,
}
