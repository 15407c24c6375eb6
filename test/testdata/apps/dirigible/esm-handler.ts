// An outbound client's handler, written as a TypeScript module.
export function onOpen(): void {
    console.log("ESM handler: open");
}

export function onMessage(message: string): void {
    console.log("ESM handler: message " + message);
}

export function onClose(): void {
    console.log("ESM handler: closed");
}
