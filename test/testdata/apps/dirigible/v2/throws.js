throw new Error("v2 module failed on purpose");
