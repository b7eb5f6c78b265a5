-- grid.lua - the power/interest grid (Mendelow) as SVG: interest on the x
-- axis, power on the y axis, threshold lines, quadrant names, points
-- coloured by attitude with a legend, and name labels placed without
-- overlap by a fixed, deterministic search (no randomness): the output is
-- the same for the same input.  A large roster: the MAX_DRAWN stakeholders
-- with the highest priority are drawn, and a crowd at one place is one
-- marker with its number (MAX_SPREAD).

local lib = require "stakeholders.lib"
local R = lib.rules

local FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"

local function f1(x)
  -- one decimal, no "-0.0"
  local s = string.format("%.1f", x)
  if s == "-0.0" then
    s = "0.0"
  end
  return (s:gsub("%.0$", ""))
end

local function boxes_overlap(a, b)
  return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1
end

local function inside(b, area)
  return b.x0 >= area.x0 and b.x1 <= area.x1 and b.y0 >= area.y0 and b.y1 <= area.y1
end

-- A bucket index of boxes (markers, labels, fixed texts): the chart is cut
-- into square cells and each box is filed under every cell it touches.  A
-- label candidate is then tested only against the boxes in its own cells,
-- not against every box of the chart, so placing the labels takes time in
-- proportion to the number of points, not its square.  Two boxes that
-- overlap share a cell, so the answers are the same as testing them all.
local CELL = 32

local function index_add(index, b)
  for cx = math.floor(b.x0 / CELL), math.floor(b.x1 / CELL) do
    local column = index[cx]
    if not column then
      column = {}
      index[cx] = column
    end
    for cy = math.floor(b.y0 / CELL), math.floor(b.y1 / CELL) do
      local cell = column[cy]
      if cell then
        cell[#cell + 1] = b
      else
        column[cy] = { b }
      end
    end
  end
end

-- Whether a box in `index` overlaps b; the marker of `own` does not count.
local function index_overlaps(index, b, own)
  for cx = math.floor(b.x0 / CELL), math.floor(b.x1 / CELL) do
    local column = index[cx]
    if column then
      for cy = math.floor(b.y0 / CELL), math.floor(b.y1 / CELL) do
        local cell = column[cy]
        if cell then
          for _, o in ipairs(cell) do
            if (own == nil or o.owner ~= own) and boxes_overlap(b, o) then
              return true
            end
          end
        end
      end
    end
  end
  return false
end

-- Whether the point (x, y) lies inside a box in `index`; with `own`, only
-- the markers of points other than `own` count.
local function index_covers(index, x, y, own)
  local column = index[math.floor(x / CELL)]
  local cell = column and column[math.floor(y / CELL)]
  if cell then
    for _, o in ipairs(cell) do
      if (own == nil or (o.owner and o.owner ~= own)) and x > o.x0 and x < o.x1 and y > o.y0
        and y < o.y1 then
        return true
      end
    end
  end
  return false
end

-- The most markers spread around one place.  A larger cluster (on a large
-- roster: dozens of stakeholders with the same scores) would need a circle
-- wider than the quadrant, running off the chart, so it is drawn as one
-- marker with the number of stakeholders in it; the list names them.
local MAX_SPREAD = 12

-- Lay out points whose markers would overlap: each cluster (markers closer
-- than 2r + 2) is put on a small circle around its centre, in priority
-- order starting at the top, clockwise.  Fixed offsets, no jitter.  A
-- cluster of more than MAX_SPREAD becomes a stack: one marker at its centre
-- (p.stack of each member).  Returns the stacks.
local function spread_clusters(pts, r, lines)
  local n = #pts
  local parent = {}
  for i = 1, n do
    parent[i] = i
  end
  local function find(i)
    while parent[i] ~= i do
      i = parent[i]
    end
    return i
  end
  for i = 1, n do
    for j = i + 1, n do
      local dx, dy = pts[i].tx - pts[j].tx, pts[i].ty - pts[j].ty
      if dx * dx + dy * dy < (2 * r + 2) ^ 2 then
        local a, b = find(i), find(j)
        if a ~= b then
          parent[math.max(a, b)] = math.min(a, b)
        end
      end
    end
  end
  local groups, order = {}, {}
  for i = 1, n do
    local g = find(i)
    if not groups[g] then
      groups[g] = {}
      order[#order + 1] = g
    end
    table.insert(groups[g], pts[i])
  end
  -- one cluster of at most MAX_SPREAD: on a circle around its centre
  local function spread(members)
    local m = #members
    if m == 1 then
      members[1].x, members[1].y = members[1].tx, members[1].ty
      return
    end
    local cx, cy = 0, 0
    for _, p in ipairs(members) do
      cx, cy = cx + p.tx, cy + p.ty
    end
    cx, cy = cx / m, cy / m
    -- keep the true directions where the points differ (2.99 stays below
    -- 3.00); identical points go clockwise from the top in priority order
    local start = -math.pi / 2
    local distinct = false
    for _, p in ipairs(members) do
      p.dir = math.atan(p.ty - cy, p.tx - cx)
      if math.abs(p.tx - cx) > 0.01 or math.abs(p.ty - cy) > 0.01 then
        distinct = true
      end
    end
    if distinct then
      table.sort(members, function(a, b)
        if a.dir ~= b.dir then
          return a.dir < b.dir
        end
        return a.row.priority < b.row.priority
      end)
      start = members[1].dir
    end
    local on_v = math.abs(cx - lines.tx) < 0.5
    local on_h = math.abs(cy - lines.ty) < 0.5
    if not distinct and on_v ~= on_h then
      -- identical points on one threshold line: a row along that line, so
      -- no marker seems to cross into the other quadrant
      local step = 2 * r + 3
      for k, p in ipairs(members) do
        local o = ((k - 1) - (m - 1) / 2) * step
        p.x, p.y = on_h and cx + o or cx, on_v and cy + o or cy
        p.offset = true
      end
    else
      -- radius so that neighbours on the circle do not touch
      local rad = (r + 1.5) / math.sin(math.pi / m)
      for k, p in ipairs(members) do
        local ang = start + (k - 1) * 2 * math.pi / m
        p.x = cx + rad * math.cos(ang)
        p.y = cy + rad * math.sin(ang)
        p.offset = true
      end
    end
  end
  -- a larger one: a single marker at its centre
  local stacks = {}
  local function stack(members)
    local m = #members
    local cx, cy = 0, 0
    for _, p in ipairs(members) do
      cx, cy = cx + p.tx, cy + p.ty
    end
    cx, cy = cx / m, cy / m
    local st = { x = cx, y = cy, r = r + 5, members = members }
    for _, p in ipairs(members) do
      p.x, p.y, p.stack = cx, cy, st
      -- a leader line from each true position that is not the centre
      p.offset = math.abs(p.tx - cx) > 0.01 or math.abs(p.ty - cy) > 0.01
    end
    stacks[#stacks + 1] = st
  end
  for _, g in ipairs(order) do
    local members = groups[g]
    if #members <= MAX_SPREAD then
      spread(members)
    else
      -- split by quadrant first, so that no stack straddles a threshold
      local parts, quadrants = {}, {}
      for _, p in ipairs(members) do
        local q = lib.class_of(p.row).quadrant
        if not parts[q] then
          parts[q] = {}
          quadrants[#quadrants + 1] = q
        end
        table.insert(parts[q], p)
      end
      for _, q in ipairs(quadrants) do
        if #parts[q] > MAX_SPREAD then
          stack(parts[q])
        else
          spread(parts[q])
        end
      end
    end
  end
  return stacks
end

-- Priority numbers as short text: "1–12", "3, 7–9, 14".
local function number_ranges(numbers)
  local parts, i = {}, 1
  while i <= #numbers do
    local j = i
    while j < #numbers and numbers[j + 1] == numbers[j] + 1 do
      j = j + 1
    end
    parts[#parts + 1] = j > i and (numbers[i] .. "–" .. numbers[j]) or tostring(numbers[i])
    i = j + 1
  end
  return table.concat(parts, ", ")
end

-- The most stakeholders drawn one by one: beyond this a chart has no room
-- for readable labels, so it shows those with the highest priority and says
-- where the rest are (classification.csv lists every one).
local MAX_DRAWN = 150

local function build(cfg, rows, total)
  local r = 11            -- marker radius
  local left, top, size = 86, 70, 560
  local right, bottom = left + size, top + size
  local panel_x = right + 56
  local width = panel_x + 330
  local lo_v, hi_v = cfg.min, cfg.max
  local pad = (hi_v - lo_v) * 0.1
  local lo, hi = lo_v - pad, hi_v + pad
  local function X(v)
    return left + (v - lo) / (hi - lo) * size
  end
  local function Y(v)
    return bottom - (v - lo) / (hi - lo) * size
  end

  local out = {}
  local function add(s)
    out[#out + 1] = s
  end

  -- the points, laid out first: a stack adds a line below the list
  local tx, ty = X(cfg.threshold), Y(cfg.threshold)
  local pts = {}
  for i, row in ipairs(rows) do
    pts[i] = { row = row, tx = X(row.interest), ty = Y(row.power) }
  end
  local stacks = spread_clusters(pts, r, { tx = tx, ty = ty })

  -- height: the plot or the legend list, whichever is taller
  local list_top = top + 190
  local more = total - #rows
  local notes = (more > 0 and 1 or 0) + (#stacks > 0 and 1 or 0)
  local height = math.max(bottom + 70, list_top + 24 * #rows + 30 + 24 * notes)

  add(string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="grid-title grid-desc" font-family="%s">',
                    width, height, width, height, FONT))
  add(string.format('<title id="grid-title">Macht-belangmatrix: %s</title>', lib.xml(cfg.title)))
  add(string.format('<desc id="grid-desc">%d stakeholders naar belang (x-as) en macht (y-as), drempel %s op schaal %s–%s; kleur = houding.</desc>',
                    total, lib.xml(lib.num_nl(cfg.threshold)), lib.xml(lib.num_nl(cfg.min)),
                    lib.xml(lib.num_nl(cfg.max))))
  add(string.format('<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>', width, height))
  add(string.format('<text x="%d" y="30" font-size="18" font-weight="bold" fill="#222">Macht-belangmatrix (Mendelow)</text>', left))
  add(string.format('<text x="%d" y="50" font-size="13" fill="#555">%s</text>', left,
                    lib.xml(lib.shorten(cfg.title, 70))))

  -- quadrants
  local quads = {
    { q = "keep_satisfied", x0 = left, y0 = top, x1 = tx, y1 = ty, fill = "#fff3e0",
      anchor = "start", lx = left + 8, ly = top + 20 },
    { q = "manage_closely", x0 = tx, y0 = top, x1 = right, y1 = ty, fill = "#fde8e4",
      anchor = "end", lx = right - 8, ly = top + 20 },
    { q = "monitor", x0 = left, y0 = ty, x1 = tx, y1 = bottom, fill = "#f1f1f1",
      anchor = "start", lx = left + 8, ly = bottom - 10 },
    { q = "keep_informed", x0 = tx, y0 = ty, x1 = right, y1 = bottom, fill = "#e6f0fa",
      anchor = "end", lx = right - 8, ly = bottom - 10 },
  }
  local obstacles = {}
  add('<g class="quadrants">')
  for _, q in ipairs(quads) do
    add(string.format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>', f1(q.x0), f1(q.y0),
                      f1(q.x1 - q.x0), f1(q.y1 - q.y0), q.fill))
  end
  add('</g>')

  -- grid lines and ticks
  local span = hi_v - lo_v
  local stepv = 1
  while span / stepv > 10 do
    stepv = stepv * (stepv == 1 and 2 or 2.5)
  end
  if span <= 2 then
    stepv = 0.5
  end
  add('<g class="axes" font-size="12" fill="#333">')
  local v = math.ceil(lo_v / stepv) * stepv
  while v <= hi_v + 1e-9 do
    local x, y = X(v), Y(v)
    add(string.format('<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#ffffff" stroke-width="1"/>',
                      f1(x), top, f1(x), bottom))
    add(string.format('<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#ffffff" stroke-width="1"/>',
                      left, f1(y), right, f1(y)))
    add(string.format('<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#333"/>', f1(x), bottom, f1(x),
                      bottom + 6))
    add(string.format('<text x="%s" y="%d" text-anchor="middle">%s</text>', f1(x), bottom + 20,
                      lib.xml(lib.num_nl(v))))
    add(string.format('<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#333"/>', left - 6, f1(y), left,
                      f1(y)))
    add(string.format('<text x="%d" y="%s" text-anchor="end">%s</text>', left - 10, f1(y + 4),
                      lib.xml(lib.num_nl(v))))
    v = v + stepv
  end
  add(string.format('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>', left,
                    top, size, size))
  add(string.format('<text x="%s" y="%d" text-anchor="middle" font-size="14" font-weight="bold">Belang (interest) →</text>',
                    f1(left + size / 2), bottom + 46))
  add(string.format('<text x="%d" y="%s" text-anchor="middle" font-size="14" font-weight="bold" transform="rotate(-90 %d %s)">Macht (power) →</text>',
                    left - 48, f1(top + size / 2), left - 48, f1(top + size / 2)))
  add('</g>')

  -- threshold lines
  local thr = "drempel " .. lib.num_nl(cfg.threshold)
  add('<g class="threshold" font-size="11" fill="#444">')
  add(string.format('<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#444" stroke-width="1.5" stroke-dasharray="6 4"/>',
                    f1(tx), top, f1(tx), bottom))
  add(string.format('<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#444" stroke-width="1.5" stroke-dasharray="6 4"/>',
                    left, f1(ty), right, f1(ty)))
  add(string.format('<text x="%s" y="%d" text-anchor="middle">%s</text>', f1(tx), top - 6,
                    lib.xml(thr)))
  local tw = lib.text_width(thr, 11)
  add(string.format('<text x="%d" y="%s">%s</text>', right + 6, f1(ty + 4), lib.xml(thr)))
  add('</g>')
  -- the second threshold label is outside the plot when it fits there
  if tw > panel_x - right - 10 then
    out[#out - 1] = string.format('<text x="%d" y="%s">%s</text>', left + 4, f1(ty - 5), lib.xml(thr))
    obstacles[#obstacles + 1] = { x0 = left + 2, y0 = ty - 17, x1 = left + 6 + tw, y1 = ty - 1 }
  end

  -- quadrant names (obstacles for the labels)
  add('<g class="quadrant-names" font-size="13" font-weight="bold" fill="#666">')
  for _, q in ipairs(quads) do
    local name = R.quadrant_nl[q.q]
    local w = lib.text_width(name, 13, true)
    add(string.format('<text x="%s" y="%s" text-anchor="%s">%s</text>', f1(q.lx), f1(q.ly), q.anchor,
                      lib.xml(name)))
    local x0 = q.anchor == "end" and q.lx - w or q.lx
    obstacles[#obstacles + 1] = { x0 = x0 - 2, y0 = q.ly - 14, x1 = x0 + w + 2, y1 = q.ly + 4 }
  end
  add('</g>')

  -- the markers are obstacles for the labels
  for _, p in ipairs(pts) do
    if not p.stack then
      obstacles[#obstacles + 1] = { x0 = p.x - r - 2, y0 = p.y - r - 2, x1 = p.x + r + 2,
                                    y1 = p.y + r + 2, owner = p }
    end
  end
  for _, st in ipairs(stacks) do
    obstacles[#obstacles + 1] = { x0 = st.x - st.r - 2, y0 = st.y - st.r - 2, x1 = st.x + st.r + 2,
                                  y1 = st.y + st.r + 2, owner = st }
  end

  -- labels: try fixed positions around the marker, nearest ring first; a
  -- first pass also keeps leader lines clear of other markers and labels
  local area = { x0 = left + 2, y0 = top + 2, x1 = right - 2, y1 = bottom - 2 }
  local fs = 12
  local labels = {}
  local taken, labelled = {}, {} -- indexes of the obstacles and of the placed labels
  for _, o in ipairs(obstacles) do
    index_add(taken, o)
  end
  local function leader_end(p, b)
    return math.max(b.x0, math.min(p.x, b.x1)), math.max(b.y0, math.min(p.y, b.y1))
  end
  local function segment_clear(p, b)
    local ex, ey = leader_end(p, b)
    local len = math.sqrt((ex - p.x) ^ 2 + (ey - p.y) ^ 2)
    local n = math.max(1, math.floor(len / 3))
    for k = 0, n do
      local x = p.x + (ex - p.x) * k / n
      local y = p.y + (ey - p.y) * k / n
      if index_covers(taken, x, y, p) or index_covers(labelled, x, y) then
        return false
      end
    end
    return true
  end
  local function try_place(p, text, w, h, strict)
    for ring = 0, 6 do
      local off = (p.r or r) + 4 + ring * 14
      local d = off * 0.75
      local cands = {
        { x0 = p.x + off, y0 = p.y - h / 2 },                 -- right
        { x0 = p.x - off - w, y0 = p.y - h / 2 },             -- left
        { x0 = p.x - w / 2, y0 = p.y - off - h },             -- above
        { x0 = p.x - w / 2, y0 = p.y + off },                 -- below
        { x0 = p.x + d, y0 = p.y - d - h },                   -- upper right
        { x0 = p.x + d, y0 = p.y + d },                       -- lower right
        { x0 = p.x - d - w, y0 = p.y - d - h },               -- upper left
        { x0 = p.x - d - w, y0 = p.y + d },                   -- lower left
      }
      for _, c in ipairs(cands) do
        local b = { x0 = c.x0, y0 = c.y0, x1 = c.x0 + w, y1 = c.y0 + h }
        local free = inside(b, area) and not index_overlaps(taken, b, p)
          and not index_overlaps(labelled, b)
        if free and strict and ring > 0 then
          free = segment_clear(p, b)
        end
        if free then
          return { box = b, text = text, ring = ring, p = p }
        end
      end
    end
    return nil
  end
  for _, p in ipairs(pts) do
    local placed
    local h = fs + 6
    if not p.stack then
      local text = lib.shorten(p.row.name, 34)
      local w = lib.text_width(text, fs) + 6
      placed = try_place(p, text, w, h, true) or try_place(p, text, w, h, false)
      if not placed then
        -- a shorter label may fit where the full name does not
        text = lib.shorten(p.row.name, 16)
        w = lib.text_width(text, fs) + 6
        placed = try_place(p, text, w, h, true) or try_place(p, text, w, h, false)
      end
    elseif p.stack.members[1] == p then
      -- a stack is labelled in the turn of its first member
      local text = string.format("%d stakeholders", #p.stack.members)
      local w = lib.text_width(text, fs) + 6
      placed = try_place(p.stack, text, w, h, true) or try_place(p.stack, text, w, h, false)
    end
    if placed then
      labels[#labels + 1] = placed
      index_add(labelled, placed.box)
    elseif not p.stack then
      regie.debug(string.format("grid: no room for the label of %s; see the list", p.row.name))
    end
  end

  -- leader lines (under the markers) for far labels and moved markers
  add('<g class="leaders" stroke="#777" stroke-width="1" fill="none">')
  for _, p in ipairs(pts) do
    if p.offset then
      add(string.format('<line x1="%s" y1="%s" x2="%s" y2="%s"/>', f1(p.tx), f1(p.ty), f1(p.x),
                        f1(p.y)))
    end
  end
  for _, l in ipairs(labels) do
    if l.ring > 0 then
      local ax, ay = leader_end(l.p, l.box)
      add(string.format('<line x1="%s" y1="%s" x2="%s" y2="%s"/>', f1(l.p.x), f1(l.p.y), f1(ax),
                        f1(ay)))
    end
  end
  add('</g>')
  add('<g class="true-positions" fill="#333">')
  for _, p in ipairs(pts) do
    if p.offset then
      add(string.format('<circle cx="%s" cy="%s" r="2.5"/>', f1(p.tx), f1(p.ty)))
    end
  end
  add('</g>')

  add('<g class="points" font-size="11" font-weight="bold" text-anchor="middle">')
  for _, p in ipairs(pts) do
    local row = p.row
    if not p.stack then
      local colour = R.attitude_colour[row.attitude] or "#8c8c8c"
      add(string.format('<g class="point" data-id="%s"><title>%s: macht %s, belang %s, houding %s</title>',
                        lib.xml(row.id), lib.xml(row.name), lib.xml(lib.num_nl(row.power)),
                        lib.xml(lib.num_nl(row.interest)), string.format("%+d", row.attitude):gsub("^%+0$", "0")))
      add(string.format('<circle cx="%s" cy="%s" r="%d" fill="%s" stroke="#ffffff" stroke-width="1.5"/>',
                        f1(p.x), f1(p.y), r, colour))
      add(string.format('<text x="%s" y="%s" fill="#ffffff">%d</text></g>', f1(p.x), f1(p.y + 4),
                        row.priority))
    elseif p.stack.members[1] == p then
      local st = p.stack
      local numbers = {}
      for k, q in ipairs(st.members) do
        numbers[k] = q.row.priority
      end
      add(string.format('<g class="stack" data-count="%d"><title>%d stakeholders op deze plek, prioriteit %s (zie de lijst)</title>',
                        #st.members, #st.members, number_ranges(numbers)))
      add(string.format('<circle cx="%s" cy="%s" r="%d" fill="#555555" stroke="#ffffff" stroke-width="1.5"/>',
                        f1(st.x), f1(st.y), st.r))
      add(string.format('<text x="%s" y="%s" fill="#ffffff">%d</text></g>', f1(st.x), f1(st.y + 4),
                        #st.members))
    end
  end
  add('</g>')

  add(string.format('<g class="labels" font-size="%d" fill="#222">', fs))
  for _, l in ipairs(labels) do
    local b = l.box
    add(string.format('<rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="#ffffff" fill-opacity="0.85"/>',
                      f1(b.x0), f1(b.y0), f1(b.x1 - b.x0), f1(b.y1 - b.y0)))
    add(string.format('<text x="%s" y="%s">%s</text>', f1(b.x0 + 3), f1(b.y1 - 5), lib.xml(l.text)))
  end
  add('</g>')

  -- legend: attitude colours, then the numbered list
  add(string.format('<g class="legend" font-size="12" fill="#222" transform="translate(%d %d)">',
                    panel_x, top))
  add('<text x="0" y="0" font-size="13" font-weight="bold">Houding</text>')
  for k, a in ipairs({ 2, 1, 0, -1, -2 }) do
    local y = 8 + (k - 1) * 20
    add(string.format('<circle cx="8" cy="%d" r="7" fill="%s" stroke="#ffffff"/>', y + 8,
                      R.attitude_colour[a]))
    add(string.format('<text x="22" y="%d">%s  %s</text>', y + 12,
                      (string.format("%+d", a):gsub("^%+0$", "0")), lib.xml(R.attitude_nl[a])))
  end
  add(string.format('<text x="0" y="%d" font-size="11" fill="#555">Een score gelijk aan de drempel (%s) telt als hoog.</text>',
                    8 + 5 * 20 + 14, lib.xml(lib.num_nl(cfg.threshold))))
  add('</g>')
  add(string.format('<g class="list" font-size="12" fill="#222" transform="translate(%d %d)">',
                    panel_x, list_top - 20))
  add('<text x="0" y="0" font-size="13" font-weight="bold">Stakeholders (prioriteit)</text>')
  for i, row in ipairs(rows) do
    local y = 4 + (i - 1) * 24
    local colour = R.attitude_colour[row.attitude] or "#8c8c8c"
    add(string.format('<circle cx="10" cy="%d" r="9" fill="%s"/>', y + 12, colour))
    add(string.format('<text x="10" y="%d" text-anchor="middle" font-size="10" font-weight="bold" fill="#ffffff">%d</text>',
                      y + 16, row.priority))
    add(string.format('<text x="26" y="%d">%s</text>', y + 16, lib.xml(lib.shorten(row.name, 40))))
  end
  local note_y = 4 + #rows * 24 + 16
  if more > 0 then
    add(string.format('<text x="0" y="%d" font-size="11" fill="#555">De %d met de hoogste prioriteit getekend; de andere %d staan in classification.csv.</text>',
                      note_y, #rows, more))
    note_y = note_y + 24
  end
  if #stacks > 0 then
    add(string.format('<text x="0" y="%d" font-size="11" fill="#555">Een grijze bol met een getal: zoveel stakeholders op (bijna) dezelfde plek; hier staan ze met hun nummer.</text>',
                      note_y))
  end
  add('</g>')
  add('</svg>')
  return table.concat(out, "\n") .. "\n"
end

return {
  summary = "Draw the power/interest grid as SVG",
  params = {},
  run = function(step)
    local cfg = lib.config()
    -- only the columns the grid uses (the drawing and lib.class_of), and
    -- only the records it draws: a record past MAX_DRAWN is counted, never
    -- kept
    local COLUMNS = { "priority", "id", "name", "power", "interest", "attitude", "power_high",
                      "interest_high", "legitimacy", "urgency" }
    local rows, total = {}, 0
    for i, r in lib.each_ranked(COLUMNS) do
      total = i
      if i <= MAX_DRAWN then
        local keep = {}
        for _, column in ipairs(COLUMNS) do
          keep[column] = r[column]
        end
        rows[i] = keep
      end
    end
    if total > MAX_DRAWN then
      regie.info(string.format("grid.svg: the %d stakeholders with the highest priority drawn, %d more in classification.csv",
                               MAX_DRAWN, total - MAX_DRAWN))
    end
    local svg = build(cfg, rows, total)
    regie.write("grid.svg", '<?xml version="1.0" encoding="UTF-8"?>\n' .. svg)
    regie.output("grid_svg", svg)
  end,
}
