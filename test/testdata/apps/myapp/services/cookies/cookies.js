exports.get = function (req) {
  if (req.params.variant === 'more') {
    return {
      body: 'more cookies',
      cookies: {
        gone: { value: '', path: '/', maxAge: 0 },
        session: { value: 's1' },
        laxone: { value: 'l', sameSite: 'lax' },
        noneone: { value: 'n', sameSite: 'none', secure: true }
      }
    };
  }
  return {
    body: 'cookies set',
    cookies: {
      simple: 'v1',
      full: {
        value: 'v2',
        path: '/p',
        domain: 'example.com',
        maxAge: 3600,
        secure: true,
        httpOnly: true,
        sameSite: 'strict'
      }
    }
  };
};
