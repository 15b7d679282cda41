-- C module loaded by the interpreter with require (dlopen; the module's
-- lua_* references resolve to the symbols the interpreter exports)
-- usage: lua cmodule.lua MODULE_DIR
local H = require "harness"
local check, eq = H.check, H.eq
local dir = assert(arg[1], "usage: cmodule.lua MODULE_DIR")
package.cpath = dir .. "/?.so;" .. package.cpath

check("cmodule.require", function()
  local m = require "cmod"
  eq(m.name, "cmod", "name field")
  eq(m.hypot(3, 4), 5.0, "hypot")
  eq(m.reverse("rivet"), "tevir", "reverse")
  eq(m.greeting(), "hello from cmod", "module rodata")
  eq(m.counter(), 1, "module bss 1"); eq(m.counter(), 2, "module bss 2")
  local sq = m.map({ 1, 2, 3 }, function(x) return x * x end)
  eq(table.concat(sq, ","), "1,4,9", "callback into Lua")
  H.raises(m.fail, "cmod failure 7", "luaL_error from module")
  eq(require "cmod", m, "cached")
end)

check("cmodule.loadlib", function()
  local f = assert(package.loadlib(dir .. "/cmod.so", "luaopen_cmod"))
  local m2 = f()
  eq(m2.reverse("ab"), "ba", "loadlib")
  eq(m2.counter(), 3, "same module instance data")
  local g, err, where = package.loadlib(dir .. "/cmod.so", "no_such_symbol")
  eq(g, nil, "missing symbol"); eq(where, "init", "init failure")
  local h, err2, where2 = package.loadlib(dir .. "/missing.so", "*")
  eq(h, nil, "missing lib"); eq(where2, "open", "open failure")
end)

H.done()
