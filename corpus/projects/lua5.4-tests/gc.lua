-- garbage collector: collect/step/count, incremental and generational
-- modes, weak tables, ephemerons, finalizers (__gc), resurrection
local H = require "harness"
local check, eq = H.check, H.eq

check("gc.count-collect", function()
  collectgarbage("collect")
  local before = collectgarbage("count")
  local t = {}
  for i = 1, 100000 do t[i] = { i, tostring(i) } end
  local during = collectgarbage("count")
  eq(during > before + 1000, true, "memory grew")
  t = nil
  collectgarbage("collect"); collectgarbage("collect")
  local after = collectgarbage("count")
  eq(after < during / 2, true, string.format("memory freed (%.0f -> %.0f KB)", during, after))
  eq(collectgarbage("isrunning"), true, "isrunning")
  collectgarbage("stop"); eq(collectgarbage("isrunning"), false, "stopped")
  collectgarbage("restart"); eq(collectgarbage("isrunning"), true, "restarted")
end)

check("gc.modes", function()
  -- lua.c switches to generational mode at startup; an embedding starts
  -- incremental (capi.c checks that side)
  local prev = collectgarbage("generational")
  eq(prev == "incremental" or prev == "generational", true, "previous mode")
  for round = 1, 5 do
    local keep = {}
    for i = 1, 20000 do local x = { i }; if i % 100 == 0 then keep[#keep + 1] = x end end
    eq(#keep, 200, "survivors")
  end
  eq(collectgarbage("incremental"), "generational", "back to incremental")
  local steps = 0
  repeat steps = steps + 1 until collectgarbage("step", 0) or steps > 100000
  eq(steps <= 100000, true, "step completes a cycle")
end)

check("gc.weak-tables", function()
  local weakk = setmetatable({}, { __mode = "k" })
  local weakv = setmetatable({}, { __mode = "v" })
  local strong = {}
  for i = 1, 100 do
    local key = {}
    weakk[key] = i
    weakv[i] = {}
    if i % 10 == 0 then strong[#strong + 1] = key; strong[#strong + 1] = weakv[i] end
  end
  weakv.str = "strings are values, not collected"
  collectgarbage("collect")
  local nk, nv = 0, 0
  for _ in pairs(weakk) do nk = nk + 1 end
  for _ in pairs(weakv) do nv = nv + 1 end
  eq(nk, 10, "weak keys collected"); eq(nv, 11, "weak values collected")
  -- ephemeron: value refers to its own key
  local eph = setmetatable({}, { __mode = "k" })
  do local k = {}; eph[k] = { ref = k } end
  collectgarbage("collect")
  eq(next(eph), nil, "ephemeron collected")
end)

check("gc.finalizers", function()
  local order = {}
  for i = 1, 5 do
    setmetatable({}, { __gc = function() order[#order + 1] = i end })
  end
  collectgarbage("collect")
  eq(#order, 5, "all finalized")
  eq(table.concat(order, ","), "5,4,3,2,1", "reverse order of marking")
  -- resurrection
  local saved
  do setmetatable({ name = "zombie" }, { __gc = function(o) saved = o end }) end
  collectgarbage("collect")
  eq(saved and saved.name, "zombie", "resurrected")
  saved = nil
  collectgarbage("collect")
  -- error in __gc becomes a warning, not an error
  warn("@off")
  setmetatable({}, { __gc = function() error("in gc") end })
  collectgarbage("collect")
  warn("@on")
  -- finalizer set after creation only counts if __gc was present at setmetatable
  local ran = false
  local mt = {}
  setmetatable({}, mt)
  mt.__gc = function() ran = true end
  collectgarbage("collect")
  eq(ran, false, "__gc added later is ignored")
end)

check("gc.stress", function()
  -- allocation churn with strings, closures and coroutines
  local live = {}
  for i = 1, 200000 do
    local s = "str" .. i
    local f = function() return s end
    if i % 1000 == 0 then live[#live + 1] = f end
    if i % 5000 == 0 then
      local co = coroutine.wrap(function() coroutine.yield(s) end)
      live[#live + 1] = co
    end
  end
  collectgarbage("collect")
  eq(live[1](), "str1000", "closure kept alive")
  local n = 0
  for i = 1, #live do if type(live[i]) == "function" then n = n + 1 end end
  eq(n, 240, "live objects")
  collectgarbage("setpause", 100); collectgarbage("setstepmul", 400)
  local big = {}
  for i = 1, 50 do big[i] = string.rep("x", 100000) .. i end
  big = nil
  collectgarbage("collect")
  eq(collectgarbage("count") < 50000, true, "big strings freed")
end)

H.done()
