globalThis.__onceEvaluations = (globalThis.__onceEvaluations || 0) + 1;
exports.loaded = true;
