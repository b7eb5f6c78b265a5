-- The console's notifications (regie serve, doc/console.md): one letter
-- in Markdown per notice and user, and the table of recipients for the
-- mail-send step.  The wording is here, in Dutch and English.
local kinds = {
  waiting = {
    subject = "Taak voor u",
    title = "Taak voor u / A task for you",
    intro = "Deze run wacht op u. / This run waits for you.",
  },
  overdue = {
    subject = "Termijn verstreken",
    title = "Termijn verstreken / Past its due date",
    intro = "De termijn van deze taak is verstreken. / This task is past its due date.",
  },
  failed = {
    subject = "Run mislukt",
    title = "Run mislukt / Run failed",
    intro = "Deze run is mislukt. / This run failed.",
  },
}

-- A file name of safe characters.
local function safe(s)
  return (s:gsub("[^%w._-]", "_"))
end

-- Text for a line of the letter: the letters' Markdown (doc/letters.md)
-- reads ** as bold, and has no escape for it.
local function md(s)
  return (s:gsub("%*%*", "* *"))
end

return {
  summary = "one letter per notice and user, for mail-send",
  run = function()
    local notices = regie.input("notices")
    local rows = {}
    for i, n in ipairs(notices) do
      local k = kinds[n.kind]
      if not k then
        regie.data_error(notices.source, notices.lines[i], "kind", n.kind,
                         "waiting, overdue or failed")
      end
      local step = n.step or ""
      local parts = { n.kind, n.run_id }
      if step ~= "" then
        parts[#parts + 1] = step
      end
      parts[#parts + 1] = n.user
      local name = safe(table.concat(parts, "-"))
      local letter = "letters/" .. name .. ".md"
      local body = {
        "# " .. k.title, "",
        k.intro, "",
        "- run: " .. md(n.run_id),
        "- workflow: " .. md(n.workflow),
      }
      if step ~= "" then
        body[#body + 1] = "- stap / step: " .. md(step)
      end
      if (n.what or "") ~= "" then
        body[#body + 1] = "- nodig / needed: " .. md(n.what)
      end
      if (n.due or "") ~= "" then
        body[#body + 1] = "- termijn / due: " .. md(n.due)
      end
      body[#body + 1] = ""
      body[#body + 1] = "Open:"
      body[#body + 1] = ""
      body[#body + 1] = n.link
      body[#body + 1] = ""
      body[#body + 1] = "Geen berichten meer? Zet ze uit onder Instellingen in de console. / " ..
                        "No more messages: turn them off under Settings in the console."
      regie.write(letter, table.concat(body, "\n") .. "\n")
      rows[#rows + 1] = {
        to = n.email, name = n.user, letter = letter,
        subject = string.format("[regie] %s: %s %s%s", k.subject, n.workflow, n.run_id,
                                step ~= "" and (" " .. step) or ""),
      }
    end
    regie.output("recipients", rows, regie.list{ "to", "name", "subject", "letter" })
  end,
}
