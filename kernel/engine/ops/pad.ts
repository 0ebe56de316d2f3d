// Placeholder until this op family lands; its exports join F (nn/functional.ts).
export {};
