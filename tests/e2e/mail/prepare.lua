-- The recipients of the mail tests: six people, each with a letter in
-- Markdown and an invitation (.ics) below the output directory.
local people = {
  { "anna@example.org", "Anna de Boer", "" },
  { "bert@example.org", "Bert Jansen", "secretariaat@example.org" },
  { "carol@example.org", "Carol Smit", "" },
  { "dirk@example.org", "Dirk van Dijk", "" },
  { "eva@example.org", "Eva Özdemir", "" },
  { "jordis@example.org", "Jördis de Vries", "" },
}

return { run = function()
  local rows = {}
  for i, p in ipairs(people) do
    local id = string.format("r%d", i)
    regie.write("letters/" .. id .. ".md",
      "# Uitnodiging\n\nBeste " .. p[2] .. ",\n\n" ..
      "Graag nodigen wij u uit voor de **themadag** in het café.\n" ..
      "De agenda:\n\n- ontvangst 9:30\n- afsluiting 16:00\n\n" ..
      "| onderdeel | tijd |\n|---|---:|\n| lunch | 12:30 |\n\n" ..
      ".Een regel die met een punt begint.\nMet vriendelijke groet,\nBureau Evenementen\n")
    regie.write("invites/" .. id .. ".ics",
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//regie//test//NL\r\nMETHOD:REQUEST\r\n" ..
      "BEGIN:VEVENT\r\nUID:" .. id .. "@example.org\r\nDTSTAMP:20261201T090000Z\r\n" ..
      "DTSTART:20261215T083000Z\r\nDTEND:20261215T150000Z\r\nSUMMARY:Themadag\r\n" ..
      "ATTENDEE;CN=" .. p[2] .. ":mailto:" .. p[1] .. "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    rows[#rows + 1] = {
      to = p[1], name = p[2], subject = "Uitnodiging themadag – café",
      letter = "letters/" .. id .. ".md", attachments = "invites/" .. id .. ".ics",
      cc = p[3],
    }
  end
  regie.output("recipients", rows, { "to", "name", "subject", "letter", "attachments", "cc" })
end }
