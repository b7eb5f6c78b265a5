-- The texts for a mistyped setting in a workflow's INI dataset, shared by
-- the workflows' settings readers: an unknown section or key names the one
-- meant when one is near enough (regie.nearest), else the ones known.
--   sections  the known sections, in the order they are listed
--   keys      section -> list of its keys, in the order they are listed
local regie = regie or require "regie"

local M = {}

-- An unknown section (sec == "": a key before any section header).
function M.unknown_section(sec, sections)
  if sec == "" then
    return string.format("a key outside any section, expected it under one of [%s]",
                         table.concat(sections, "], ["))
  end
  local near = regie.nearest(sec, sections)
  if near then
    return string.format("unknown section [%s]; did you mean [%s]?", sec, near)
  end
  return string.format("unknown section [%s], expected one of [%s]", sec,
                       table.concat(sections, "], ["))
end

-- An unknown key of the known section sec: the key meant, in this section
-- or else in another one, else the keys of the section.  The text starts
-- with what (default: unknown key "KEY" in [SEC]), so a workflow keeps
-- the style of its other messages.
function M.unknown_key(sec, key, sections, keys, what)
  what = what or string.format("unknown key \"%s\" in [%s]", key, sec)
  local near = regie.nearest(key, keys[sec])
  if near then
    return string.format("%s; did you mean %s?", what, near)
  end
  for _, other in ipairs(sections) do
    near = other ~= sec and regie.nearest(key, keys[other])
    if near then
      return string.format("%s; did you mean %s in [%s]?", what, near, other)
    end
  end
  return string.format("%s, expected one of %s", what, table.concat(keys[sec], ", "))
end

return M
