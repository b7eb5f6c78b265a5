-- plan_document.lua - the communication plan as a document to send and
-- file (commplan.pdf, by the pdf step in the house style, doc/letters.md):
-- the plan period, the approach per kind of stakeholder (goal, channels,
-- contacts a year, first contact) and the first contact of the
-- stakeholders with the highest priority.  commplan.csv and commplan.md
-- (plan.lua) hold the whole plan; this is the part a reader takes in.

local lib = require "stakeholders.lib"
local R = lib.rules
local CP = require "stakeholders.contact_plan"

-- The most stakeholders the document lists by name (the parameter listed).
local LISTED = 100

local DOC_COLUMNS = { "path", "body", "addressee", "place_date", "reference", "subject", "signature", "date" }

return {
  summary = "The communication plan as a document (commplan.pdf)",
  params = {
    listed = { type = "integer", default = LISTED,
               description = "the stakeholders with the highest priority the document lists by name" },
  },
  run = function(step)
    local cfg = lib.config()
    local md = lib.md
    local t = {}
    local function add(s)
      t[#t + 1] = s
    end
    add(string.format("# Communicatieplan: %s\n", md(cfg.title)))
    add(string.format("Planperiode: %s tot %s (%d maanden). Contactmomenten die op een niet-werkdag vallen, "
                      .. "schuiven naar de volgende werkdag.\n", lib.date_nl(cfg.start), lib.date_nl(cfg["end"]),
                      cfg.months))
    add("## Aanpak per soort stakeholder\n")
    add("| Kwadrant | Doel | Kanalen | Per jaar | Eerste contact |")
    add("|---|---|---|---:|---|")
    for _, k in ipairs(regie.input("plan")) do
      add(string.format("| %s | %s | %s | %d%s | %s |", R.quadrant_nl[k.quadrant], md(k.goal),
                        md((k.channels:gsub(";", ", "))), k.frequency, k.extra_meeting == "yes" and " + 1" or "",
                        lib.date_nl(k.first_contact)))
    end
    add("")
    local rows = {}
    for _, c in ipairs(regie.input("contacts")) do
      if c.n == 1 and #rows < step.params.listed then
        rows[#rows + 1] = c
      end
    end
    table.sort(rows, function(a, b) return a.priority < b.priority end)
    if #rows > 0 then
      add(string.format("## De %d stakeholders met de hoogste prioriteit\n", #rows))
      add("| Prio | Stakeholder | Doel | Eerste contact | Kanaal | Eigenaar |")
      add("|---:|---|---|---|---|---|")
      for _, c in ipairs(rows) do
        add(string.format("| %d | %s | %s | %s | %s | %s |", c.priority, md(c.name), md(c.goal),
                          lib.date_nl(c.date), md(c.channel), md(CP.shown(c.owner))))
      end
      add("")
    end
    add("Het volledige plan, met de boodschap per stakeholder, staat in commplan.csv en commplan.md; "
        .. "elk contactmoment in contacts.csv.")
    local who = {}
    for _, v in ipairs({ cfg.owner or "", cfg.organisation or "" }) do
      if v ~= "" then
        who[#who + 1] = v
      end
    end
    local out = regie.output_writer("plan_documents", DOC_COLUMNS)
    out:add("commplan.pdf", table.concat(t, "\n") .. "\n", "", lib.date_nl(cfg.start), cfg.id,
            "Communicatieplan " .. cfg.title, table.concat(who, "\n"), cfg.start)
    out:close()
  end,
}
