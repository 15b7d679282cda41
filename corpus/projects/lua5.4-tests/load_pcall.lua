-- load/loadstring/dump, environments, pcall/xpcall/error, closures,
-- varargs, goto, debug library basics, require of Lua modules
local H = require "harness"
local check, eq = H.check, H.eq

check("load.text", function()
  local f = assert(load("return 1 + 2"))
  eq(f(), 3, "load string")
  local parts = { "return ", "10", " * ", "4" }
  local i = 0
  local g = assert(load(function() i = i + 1; return parts[i] end))
  eq(g(), 40, "load from reader function")
  local env = { x = 5 }
  local h = assert(load("y = x * 2; return y", "chunk", "t", env))
  eq(h(), 10, "load with env"); eq(env.y, 10, "global in env"); eq(rawget(_G, "y"), nil, "not in _G")
  local bad, err = load("return +")
  eq(bad, nil, "syntax error"); eq(err:match("unexpected symbol") ~= nil, true, "syntax message")
  local s, e2 = load("\27Lua", "b", "t")
  eq(s, nil, "binary refused in text mode")
  eq(select("#", load("return ...")(1, 2, 3)), 3, "varargs chunk")
end)

check("load.dump", function()
  local function adder(a) return function(b) return a + b end end
  local src = "local a, b = ... return a * b + 1"
  local f = assert(load(src))
  local bin = string.dump(f)
  eq(bin:sub(1, 4), "\27Lua", "binary chunk header")
  local g = assert(load(bin, "dumped", "b"))
  eq(g(6, 7), 43, "dumped function runs")
  local stripped = assert(load(string.dump(f, true), "stripped", "b"))
  eq(stripped(2, 3), 7, "stripped dump")
  local bad = load(bin, "x", "t")
  eq(bad, nil, "binary refused in text mode")
end)

check("env._ENV", function()
  local function sandbox()
    local _ENV = { print = print, tostring = tostring }
    z = 1
    return z, _ENV
  end
  local z, e = sandbox()
  eq(z, 1, "_ENV local"); eq(e.z, 1, "set in sandbox"); eq(rawget(_G, "z"), nil, "not leaked")
  eq(_G._G, _G, "_G._G"); eq(_ENV, _G, "_ENV is _G")
end)

check("errors.pcall-xpcall", function()
  eq(pcall(error), false, "error nil")
  local ok, err = pcall(error, "msg", 0)
  eq(ok, false, "pcall false"); eq(err, "msg", "level 0")
  local function thrower() error("at level 1") end
  ok, err = pcall(thrower)
  eq(err:match("load_pcall.lua:%d+: at level 1") ~= nil, true, "position info: " .. err)
  local function lvl2() error("caller", 2) end
  local function calls() lvl2() end
  ok, err = pcall(calls)
  eq(err:match(":%d+: caller$") ~= nil, true, "level 2")
  ok, err = pcall(error, { code = 7 })
  eq(err.code, 7, "table error")
  local tb
  ok, err = xpcall(function() local x = nil; return x.field end, function(m) tb = debug.traceback(m, 1); return "handled" end)
  eq(err, "handled", "xpcall handler"); eq(tb:match("stack traceback") ~= nil, true, "traceback")
  eq(select("#", pcall(function() return 1, 2, 3 end)), 4, "pcall returns")
  ok, err = pcall(function() return 1 + {} end)
  eq(err:match("attempt to perform arithmetic on a table value") ~= nil, true, "arith error")
  ok, err = pcall(function() local t = setmetatable({}, { __index = function() error("deep") end }); return t.x end)
  eq(err:match("deep") ~= nil, true, "error in metamethod")
  -- error objects with __tostring
  local E = setmetatable({}, { __tostring = function() return "custom error" end })
  ok, err = pcall(error, E)
  eq(tostring(err), "custom error", "__tostring error")
  -- nested pcall and stack overflow
  local function rec() return 1 + rec() end
  ok, err = pcall(rec)
  eq(ok, false, "stack overflow caught"); eq(tostring(err):match("stack overflow") ~= nil, true, "overflow msg")
  -- error inside xpcall handler
  ok, err = xpcall(error, function() error("in handler") end)
  eq(ok, false, "handler error")
end)

check("closures-upvalues", function()
  local function counter()
    local n = 0
    return function() n = n + 1; return n end, function() return n end
  end
  local inc, get = counter()
  inc(); inc(); inc()
  eq(get(), 3, "shared upvalue")
  local fs = {}
  for i = 1, 5 do fs[i] = function() return i end end
  eq(fs[2]() + fs[5](), 7, "fresh loop variable per iteration")
  eq(debug.getupvalue(get, 1), "n", "getupvalue name")
  debug.setupvalue(get, 1, 100)
  eq(inc(), 101, "setupvalue")
  local a = function() return 1 end
  local up1 = debug.upvalueid(inc, 1); local up2 = debug.upvalueid(get, 1)
  eq(up1 == up2, true, "upvalueid shared")
end)

check("varargs-goto-multiple", function()
  local function va(...)
    local n = select("#", ...)
    local last = n > 0 and select(n, ...) or nil
    return n, last, { ... }
  end
  local n, last, t = va(1, nil, 3, nil)
  eq(n, 4, "select #"); eq(last, nil, "last nil"); eq(#{ va(1, 2) }, 3, "returns")
  eq(select(-1, "a", "b", "c"), "c", "select negative")
  local out = {}
  for i = 1, 3 do
    for j = 1, 3 do
      if j == 2 then goto continue end
      out[#out + 1] = i .. j
      ::continue::
    end
  end
  eq(table.concat(out, ","), "11,13,21,23,31,33", "goto continue")
  local function mr() return 1, 2, 3 end
  local x, y, z, w = mr()
  eq(w, nil, "extra nil"); eq(#{ mr(), mr() }, 4, "truncation")
  eq((mr()), 1, "parens truncate")
  local s = 0
  local i = 1
  repeat local k = i * 2; s = s + k; i = i + 1 until k >= 10
  eq(s, 30, "repeat scope")
  local v = 0
  while true do v = v + 1; if v > 5 then break end end
  eq(v, 6, "while break")
end)

check("debug.info", function()
  local function f(a, b) local c = a + b; return debug.getinfo(1, "nSlu") end
  local info = f(1, 2)
  eq(info.what, "Lua", "what"); eq(info.nparams, 2, "nparams"); eq(info.short_src:match("load_pcall.lua") ~= nil, true, "src")
  eq(debug.getinfo(print).what, "C", "C function")
  local function locals() local alpha, beta = 1, 2; return debug.getlocal(1, 2) end
  eq(locals(), "beta", "getlocal")
  local count = 0
  debug.sethook(function() count = count + 1 end, "", 100)
  for i = 1, 10000 do end
  debug.sethook()
  eq(count > 0, true, "count hook ran")
  local calls = 0
  debug.sethook(function(ev) calls = calls + 1 end, "c")
  local function g() end
  g(); g()
  debug.sethook()
  eq(calls >= 2, true, "call hook")
end)

check("require.lua-module", function()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local f = assert(io.open(dir .. "/mymod.lua", "w"))
  f:write("local M = {}\nM.loaded_as = ...\nfunction M.twice(x) return 2 * x end\nreturn M\n")
  f:close()
  local saved = package.path
  package.path = dir .. "/?.lua;" .. package.path
  local m = require("mymod")
  eq(m.twice(21), 42, "module function"); eq(m.loaded_as, "mymod", "module name arg")
  eq(require("mymod"), m, "cached"); eq(package.loaded.mymod, m, "package.loaded")
  local p, err = package.searchpath("mymod", package.path)
  eq(p, dir .. "/mymod.lua", "searchpath")
  H.raises(function() require("no_such_module_xyz") end, "module 'no_such_module_xyz' not found", "missing module")
  package.path = saved
  package.loaded.mymod = nil
  os.remove(dir .. "/mymod.lua"); os.remove(dir)
end)

H.done()
