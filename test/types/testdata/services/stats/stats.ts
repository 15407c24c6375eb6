// A controller in TypeScript, as XP's starters write them (compiled to
// CommonJS JavaScript before duplex runs it): import and require both type.
import { getGroupSize, getGroupMembers } from '/lib/xp/websocket';
import type { Context } from '/lib/xp/context';

const auth = require('/lib/xp/auth');
const context = require('/lib/xp/context');

export function get(req: Duplex.Request): Duplex.Response {
    const room = typeof req.params.room === 'string' ? req.params.room : 'lobby';
    const ctx: Context = context.get();
    return {
        body: {
            room,
            size: getGroupSize('room.' + room),
            members: auth.hasRole('chat.admin') ? getGroupMembers('room.' + room) : [],
            repository: ctx.repository,
            user: auth.getUser()?.key ?? null,
        },
    };
}

export const webSocketEvent: Duplex.WebSocketEventHandler = (event) => {
    if (event.type === 'message' && event.message instanceof ArrayBuffer) {
        log.warning('binary message of %s bytes', event.message.byteLength);
    }
};

export const controller: Duplex.Controller = { get, webSocketEvent };
